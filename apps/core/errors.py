"""Errors with CloudStack's codes; raised by services, rendered by the API and by failed jobs.

The numbers are CloudStack's ApiErrorCode values and its CSExceptionErrorCode mapping.
"""


class CloudError(Exception):
    errorcode = 530
    cserrorcode = 9999

    def __init__(self, errortext, errorcode=None, cserrorcode=None):
        super().__init__(errortext)
        self.errortext = errortext
        if errorcode is not None:
            self.errorcode = errorcode
        if cserrorcode is not None:
            self.cserrorcode = cserrorcode

    def as_result(self):
        """The ``jobresult`` of a failed async job."""
        return {"errorcode": self.errorcode, "errortext": self.errortext}


class Unauthorized(CloudError):
    errorcode = 401


class ParamError(CloudError):
    errorcode = 431
    cserrorcode = 4350


class UnsupportedAction(CloudError):
    errorcode = 432
    cserrorcode = 9999


class PermissionDenied(CloudError):
    errorcode = 531
    cserrorcode = 4365


class InsufficientCapacity(CloudError):
    errorcode = 533
    cserrorcode = 4325


class ResourceUnavailable(CloudError):
    errorcode = 534
    cserrorcode = 4380


class InvalidState(CloudError):
    """An operation that the object's current state does not allow."""

    errorcode = 431
    cserrorcode = 4350


class InternalError(CloudError):
    errorcode = 530
    cserrorcode = 4250
