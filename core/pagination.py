"""Reading a page number from a query string: one rule for every paginated page and API."""


def page_number(raw: str | None) -> int:
    """The 1-based page asked for; 1 for anything that is not a positive whole number."""
    return int(raw) if raw and raw.isdigit() and int(raw) > 0 else 1
