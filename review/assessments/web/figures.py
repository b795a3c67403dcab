"""/office/assessments/figures: the office uploads the hotline's base figures (基础数据) as CSV or XLSX and reads
each row's report; nothing is stored unless every row is good."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from review.assessments import imports as columns
from review.assessments.services import imports as figures
from review.core.actors import OFFICE
from review.core.errors import ServiceError
from review.core.web.forms import read_form
from review.core.web.guard import PolicyRoute, route
from review.core.web.templating import render
from review.core.web.uploads import saved_upload


def _page(request: Request, *, report: figures.FiguresImport | None = None, error: ServiceError | None = None,
          status_code: int = 200) -> Response:
    sample_header = ",".join(chinese for chinese, _ in columns.COLUMNS.values())
    sample_rows = [",".join(str(v) for v in row) for row in columns.SAMPLE]
    return render(request, "assessments/figures_import.html", {
        "columns": [{"name": name, "chinese": chinese, "meaning": columns.MEANINGS[name],
                     "required": name in columns.REQUIRED} for name, (chinese, _) in columns.COLUMNS.items()],
        "sample": columns.SAMPLE,
        "sample_csv": "\n".join([sample_header, *sample_rows]),
        "report": report,
        "failed": [r for r in report.rows if not r.ok] if report else [],
        "error": error,
    }, status_code=status_code)


async def figures_page(request: Request) -> Response:
    return _page(request)


async def figures_upload(request: Request) -> Response:
    form = await read_form(request)
    try:
        path = await saved_upload(form.get("file"), (".csv", ".xlsx"))
    except ServiceError as error:
        return _page(request, error=error, status_code=error.status)
    try:
        report = await figures.load_file(path, actor=request.state.actor, source="upload")
    except ServiceError as error:
        return _page(request, error=error, status_code=error.status)
    finally:
        path.unlink(missing_ok=True)
    return _page(request, report=report, status_code=200 if report.imported else 422)


routes: list[PolicyRoute] = [
    route("/office/assessments/figures", figures_page, OFFICE, name="office_assessment_figures"),
    route("/office/assessments/figures", figures_upload, OFFICE, methods=["POST"]),
]
