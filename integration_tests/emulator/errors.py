"""Graph API error envelopes, one constructor per error the emulator answers."""

import math

TOO_MANY_CALLS = (
    "There have been too many calls to this ad-account. Wait a bit and try again. For more info, "
    "please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting."
)
REDUCE_DATA = "Please reduce the amount of data you're asking for, then retry your request"


class GraphError(Exception):
    """An error answer: HTTP status plus Meta's {"error": {...}} body (and optional headers)."""

    def __init__(self, status, code, message, *, subcode=None, error_type="OAuthException",
                 is_transient=None, user_title=None, user_msg=None, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.subcode = subcode
        self.error_type = error_type
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.headers = headers or {}

    def body(self, fbtrace_id: str) -> dict:
        error = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.is_transient is not None:
            error["is_transient"] = self.is_transient
        if self.user_title:
            error["error_user_title"] = self.user_title
        if self.user_msg:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = fbtrace_id
        return {"error": error}


def invalid_token():
    return GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")


def expired_token():
    return GraphError(400, 190, "Error validating access token: Session has expired.", subcode=463)


def invalid_parameter(message: str, subcode=None):
    return GraphError(400, 100, f"(#100) {message}", subcode=subcode)


def nonexisting_field(field: str, node_type: str):
    return invalid_parameter(f"Tried accessing nonexisting field ({field}) on node type ({node_type})")


def unknown_object(object_id: str, method: str = "get"):
    return GraphError(
        400, 100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation. Please read the Graph API "
        "documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33, error_type="GraphMethodException")


def quoting_the_token(path: str, token: str):
    """A refusal whose text quotes the request as a URL, token included (issue 9, item 3)."""
    url = f"https://graph.facebook.com{path}?access_token={token}&fields=id"
    return GraphError(400, 100, f"(#100) The request {url} could not be processed", user_msg=f"Retry {url} later.")


def unknown_path(path: str):
    return GraphError(400, 2500, f"Unknown path components: {path}")


def permission_denied(message="(#200) Requires ads_read permission"):
    return GraphError(403, 200, message)


def field_permission_denied():
    """A field the token may not read on this object: the whole request fails, and the field is not named
    (observed for AdAccount `funding_source`)."""
    return GraphError(400, 10, "(#10) Permission Denied.")


def creative_incomplete():
    """One creative whose post was deleted fails every request that reads it with its post fields
    (airbytehq/airbyte#65944, #66027)."""
    return GraphError(400, 100, "Invalid parameter", subcode=2446289, is_transient=False,
                      user_title="Ad Creative Is Incomplete",
                      user_msg="The post you selected for your ad is not available. It could be deleted or you "
                               "might not have permissions to see it. Please check your ad creative and try again.")


def invalid_cursor():
    return GraphError(400, 2642, "Invalid cursors values")


def too_much_data():
    return GraphError(400, 100, REDUCE_DATA, subcode=1487534,
                      user_title="Too Much Data Requested", user_msg=REDUCE_DATA)


def start_date_too_old():
    return GraphError(400, 3018, "(#3018) The start date of the time range cannot be beyond 37 months "
                                 "from the current date")


def deprecated_version(version: str, current: str):
    return GraphError(400, 2635, f"(#2635) You are calling a deprecated version of the Ads API ({version}). "
                                 f"Please update to the latest version: {current}.")


def rate_limited(code: int, regain_seconds: float, headers: dict):
    """BUC throttle (80000 ads_insights, 80004 ads_management); sent with HTTP 400 like Meta does."""
    minutes = max(1, math.ceil(regain_seconds / 60))
    return GraphError(400, code, TOO_MANY_CALLS, subcode=2446079, is_transient=True,
                      user_title="Ad Account Has Too Many API Calls",
                      user_msg=f"There have been too many calls from this ad-account. "
                               f"Please wait {minutes} minute(s) and try again.",
                      headers=headers)


def app_rate_limited(headers: dict):
    """The app-wide limit (code 4): every call of the app fails until its window lets calls out. Meta
    states no wait for it (X-App-Usage carries no regain time)."""
    return GraphError(400, 4, "(#4) Application request limit reached", is_transient=True, headers=headers)


def not_transient(user_title: str, user_msg: str, subcode: int):
    """Code 1 that Meta marks is_transient false, e.g. 2853001 on advideos: retrying cannot help."""
    return GraphError(400, 1, "An unknown error has occurred.", subcode=subcode, is_transient=False,
                      user_title=user_title, user_msg=user_msg)


def missing_permissions():
    return GraphError(400, 100, "(#100) Missing permissions")


def page_permission_required():
    """Code 190 without a subcode that asks for a Page permission: the ads token itself is valid."""
    return GraphError(400, 190, "(#190) This method must be called with a Page Access Token that has "
                                "the pages_read_engagement permission")


def two_factor_required():
    return GraphError(400, 415, "Two factor authentication required. User have to enter a code from SMS "
                                "or TOTP code generator to pass 2fac. This could happen when accessing a "
                                "2fac-protected asset like a page that is owned by a 2fac-protected business "
                                "manager.", subcode=1404120)
