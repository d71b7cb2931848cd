"""``seatdesk serve``: the intake server for the field and the outside world.

A FastAPI application on uvicorn beside the seats, calling the same Qt-free workflow
services (``seatdesk.workflow``), so every rule, role and ledger row is what a seat
would produce:

- ``/field/v1`` — supervisors' handsets (城管通): sign-in, reports with photos and a voice
  note, 核实/核查 tasks, position pings, on/off duty (``field_api``);
- ``/open311/v2`` — Open311 GeoReport v2 with the mySociety updates extension
  (``open311``);
- ``/hotline12345/v1`` — 12345 work orders in, callbacks out through a durable outbox
  (``hotline``);
- ``/field/app`` — the reference field web client (``resources/field_app``);
- ``/openapi.json`` and ``/docs`` (bundled Swagger UI, no CDN).

See docs/api.md. Nothing here imports PySide6.
"""
