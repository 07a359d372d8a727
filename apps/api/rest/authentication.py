"""REST API authentication by API key: ``Authorization: ApiKey <apikey>:<secretkey>``.

The key pair is the one the query API signs with; over the REST API it is presented as a
credential (use TLS in front). Browsers use the session login instead.
"""
import hmac

from rest_framework import authentication, exceptions

from apps.accounts.keycache import user_by_api_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "ApiKey"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        api_key, _, secret = header[len(self.keyword) + 1:].strip().partition(":")
        user = user_by_api_key(api_key)
        if user is None or not user.secret_key or not hmac.compare_digest(user.secret_key.encode(), secret.encode()):
            raise exceptions.AuthenticationFailed("unable to verify user credentials")
        if user.login is None:
            raise exceptions.AuthenticationFailed("this user has no login")
        return user.login, user

    def authenticate_header(self, request):
        return self.keyword
