"""A page's request as one route dependency: who is asking, the unit of work, the
templates and, for a posted form, its fields — with ``render`` to answer with a page.

``PageDep`` is for a signed-in user's page (``auth.CurrentUser``), ``FormPage`` for the
form they post (``auth.CheckedForm``: its CSRF token checked, the form read once). A
module whose every page needs one action takes its pages through ``requiring``; any
other check of the policy stays in the route that needs it. The dependencies do no
blocking work, so they run on the event loop, costing no hand-off to a worker thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from contactpoint.access.auth import Current
from contactpoint.access.policy import Action
from contactpoint.web.auth import CheckedForm, CurrentUser, require
from contactpoint.web.deps import SessionDep, get_templates
from contactpoint.web.forms import Posted, PostedForm

# A page that was not posted reads its fields as absent.
NOTHING_POSTED = Posted(FormData())


@dataclass(frozen=True, slots=True)
class Page:
    """A signed-in user's request for a page: who, the unit of work, the form posted."""

    request: Request
    session: Session
    templates: Jinja2Templates
    user: Current
    form: Posted = NOTHING_POSTED

    def value(self, name: str, *, strip: bool = True) -> str:
        """A posted field (``Posted.value``): "" when absent or nothing was posted."""
        return self.form.value(name, strip=strip)

    def render(self, name: str, context: dict[str, Any], status: int = 200) -> Response:
        response: Response = self.templates.TemplateResponse(
            self.request, name, context, status_code=status
        )
        return response


async def signed_in_page(request: Request, session: SessionDep, user: CurrentUser) -> Page:
    return Page(request, session, get_templates(request), user)


async def posted_page(
    request: Request, session: SessionDep, user: CheckedForm, form: PostedForm
) -> Page:
    return Page(request, session, get_templates(request), user, form)


PageDep = Annotated[Page, Depends(signed_in_page)]
FormPage = Annotated[Page, Depends(posted_page)]


def requiring(action: Action, *, posted: bool = False) -> Callable[..., Awaitable[Page]]:
    """The dependency of a module whose every page (``posted``: every form) needs
    ``action``: the ``Page``, once ``require`` allows it (else 403, before the route)."""

    async def page(page: PageDep) -> Page:
        require(page.user, action)
        return page

    async def form(page: FormPage) -> Page:
        require(page.user, action)
        return page

    return form if posted else page
