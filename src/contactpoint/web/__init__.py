"""The web application: server-rendered GOV.UK pages and the JSON API under ``/api/v1``.

``app.create_app()`` builds it; routes live in ``routes/<concept>.py`` and templates in
``templates/<concept>/``. This layer parses requests, calls services and renders: it never
decides access and never commits (``deps.SessionDep`` does, through the unit of work).
"""
