"""Case pages kept as rendered, per process, under a key made of everything they show.

A case page is a function of the case's row as `visibility.visible_case` reads it (the case, its department,
every audit event on the case, each panel with its members' names and answers, the ruling in force, its
verdict and the one that verdict corrects, and when a score sheet was last saved), of the viewer (who they are
and their CSRF token), of the address with its query, of the day in China (a party's reconsideration window
closes with a day) and of the office's holiday notice banner (`review.core.calendar.notice_wanted`), which goes
once the year's notice is loaded. Whatever else the page shows is fixed once written (published criteria, a concluded
panel's record) or changes only together with an audit event on the case. So a page is rendered again only
when one of these changes, and the visibility check still runs on every request, since it reads the very row
the key is made of.
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import Response

from review.core import kept, settings
from review.core.clock import today_in_china
from review.core.kept import Kept
from review.core.web.kept_pages import keepable, viewer_key

_pages: Kept[bytes] = Kept(settings.CASE_PAGES_KEPT)


@kept.forgettable
def forget_pages() -> None:
    """Drop the kept pages (a database emptied under a running process, as between tests)."""
    _pages.clear()


def page_key(request: Request, case: dict) -> Hashable | None:
    """The key of this request's page of `case`; None when the row cannot serve as a key."""
    key = (*viewer_key(request), today_in_china(), tuple(case.values()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def kept(key: Hashable | None) -> bytes | None:
    return None if key is None else _pages.get(key)


def keep(request: Request, key: Hashable | None, response: Response) -> None:
    if key is not None and keepable(request, response):
        _pages.put(key, bytes(response.body))
