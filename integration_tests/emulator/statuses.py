"""Effective statuses of campaigns, ad sets and ads (shared by edges, insights and the dataset)."""

CAMPAIGN_STATUSES = ("ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES")
ADSET_STATUSES = CAMPAIGN_STATUSES + ("CAMPAIGN_PAUSED",)
AD_STATUSES = ADSET_STATUSES + ("ADSET_PAUSED", "DISAPPROVED", "PENDING_BILLING_INFO", "PENDING_REVIEW",
                                "PREAPPROVED")
EFFECTIVE_STATUSES = {"campaign": CAMPAIGN_STATUSES, "adset": ADSET_STATUSES, "ad": AD_STATUSES}
# Meta's default for campaigns/adsets/ads edges and their insights when no effective_status filter is sent.
HIDDEN_BY_DEFAULT = frozenset({"ARCHIVED", "DELETED"})
