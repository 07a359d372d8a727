"""The user behind an API key, or behind a login session's user id, cached in the shared cache
(Redis on the production stack): a signed call or a call in a session costs a cache read, not a
three-table query.

The entry is dropped whenever what authentication reads of it can change: the user saved
or deleted (its keys changed, the old key's entry included; disabled), its account or its
domain saved or deleted. A user is cached only when found (a stream of wrong keys fills
nothing), for at most ``TTL_S`` whatever happens; an unreachable cache means a database
read, never a refused call.
"""
import hashlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from .models import Account, CloudUser, Domain
from .selectors import enabled_user as _lookup_pk
from .selectors import user_by_api_key as _lookup

log = logging.getLogger(__name__)
TTL_S = 60


def _key(api_key):
    return "apikey:" + hashlib.sha256(api_key.encode()).hexdigest()


def _pk_key(pk):
    return f"cloud-user:{int(pk)}"


def _cached(key, lookup):
    try:
        user = cache.get(key)
    except Exception:  # noqa: BLE001 - no cache: read the database
        log.warning("user cache unavailable", exc_info=True)
        return lookup()
    if user is None:
        user = lookup()
        if user is not None:
            try:
                cache.set(key, user, TTL_S)
            except Exception:  # noqa: BLE001
                log.warning("user cache unavailable", exc_info=True)
    return user


def user_by_api_key(api_key):
    return _cached(_key(api_key), lambda: _lookup(api_key))


def enabled_user(pk):
    """The enabled user ``pk`` of an enabled account (a session's user), or None."""
    return _cached(_pk_key(pk), lambda: _lookup_pk(pk))


def forget(api_keys, pks=()):
    keys = [_key(k) for k in api_keys if k] + [_pk_key(pk) for pk in pks if pk is not None]
    if not keys:
        return

    def drop():
        try:
            cache.delete_many(keys)
        except Exception:  # noqa: BLE001 - the entries expire within TTL_S
            log.warning("api key cache unavailable: %d entries left to expire", len(keys), exc_info=True)

    drop()  # now, and again once the change is committed (a lookup meanwhile read the old row)
    transaction.on_commit(drop)


@receiver(post_init, sender=CloudUser)
def _remember_key(sender, instance, **kwargs):
    instance._loaded_api_key = instance.__dict__.get("api_key")


@receiver(post_save, sender=CloudUser)
@receiver(post_delete, sender=CloudUser)
def _user_changed(sender, instance, **kwargs):
    forget({instance.api_key, getattr(instance, "_loaded_api_key", None)}, [instance.pk])
    instance._loaded_api_key = instance.api_key  # the key the next change retires


@receiver(post_save, sender=Account)
@receiver(post_delete, sender=Account)
def _account_changed(sender, instance, **kwargs):
    _forget_users(CloudUser.objects.filter(account_id=instance.pk))


@receiver(post_save, sender=Domain)
@receiver(post_delete, sender=Domain)
def _domain_changed(sender, instance, **kwargs):
    _forget_users(CloudUser.objects.filter(account__domain__path__startswith=instance.path))


def _forget_users(users):
    rows = list(users.values_list("api_key", "pk"))
    forget([key for key, _ in rows], [pk for _, pk in rows])
