"""``/field/v1``: the supervisors' handsets (城管通). See docs/api.md."""

from ..errors import documented
from ..routing import PrefixedRouter
from . import reports, session, tasks

router = PrefixedRouter(prefix="/field/v1",
                        responses=documented(401, 403, 404, 409, 413, 415, 422, 429, 503))
# the reports first: a request is matched against the routes in order (FastAPI tries each
# in turn, twice through nested routers), and a report is what a handset sends most
router.include_router(reports.router)
router.include_router(session.router)
router.include_router(tasks.router)
