"""``/field/v1``: the supervisors' handsets (城管通). See docs/api.md."""

from fastapi import APIRouter

from . import reports, session, tasks

router = APIRouter(prefix="/field/v1")
router.include_router(session.router)
router.include_router(reports.router)
router.include_router(tasks.router)
