"""CDK log lines that are false for this connector, dropped before they reach the user.

The CDK's factory cannot see inside a CustomErrorHandler, so it warns on every stream that
declares `page_size_reduction` or `request_window_splitting` that the feature may never fire.
Ours fires: GraphErrorHandler resolves Meta's "reduce the amount of data" answers to
REDUCE_PAGE_SIZE and the insights row ceiling to SPLIT_REQUEST_WINDOW (tested in
unit_tests/integration). Only these two messages are dropped; every other CDK warning passes.
"""

from __future__ import annotations

import logging

FACTORY_LOGGER = "airbyte.model_to_component_factory"
_FALSE_WARNINGS = (
    "defines `page_size_reduction` but no response filter with the REDUCE_PAGE_SIZE action",
    "defines `request_window_splitting` but no response filter with the SPLIT_REQUEST_WINDOW action",
)


class CustomHandlerActionWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(text in message for text in _FALSE_WARNINGS)


def install() -> None:
    logger = logging.getLogger(FACTORY_LOGGER)
    if not any(isinstance(existing, CustomHandlerActionWarnings) for existing in logger.filters):
        logger.addFilter(CustomHandlerActionWarnings())
