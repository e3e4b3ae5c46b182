"""Upload fire-point files; they are ingested by a worker."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select

from firegrid.api.access import At, access
from firegrid.api.bodies import body_limit
from firegrid.api.deps import IngestorDep, SessionDep, StateDep
from firegrid.api.schemas import IngestJobOut
from firegrid.api.uploads import form_file, form_route, offload, read_form, save_upload
from firegrid.auth.roles import Permission
from firegrid.services.ingest import create_job
from firegrid.services.ownership import home_path, owned_by, visible
from firegrid.store.tables import IngestJob

router = APIRouter(prefix="/ingest", tags=["ingest"])


def _out(job: IngestJob) -> IngestJobOut:
    out = IngestJobOut.model_validate(job)
    out.summary = out.summary if job.summary else None
    return out


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    **form_route(
        access(At.SUBTREE, Permission.INGEST, writes=("ingest_jobs",)),
        "file",
        "FIRMS CSV/JSON, CSPP text, bulletin CSV/XLSX",
    ),
)
@body_limit("upload")
async def upload(
    request: Request, principal: IngestorDep, session: SessionDep, state: StateDep
) -> IngestJobOut:
    """Store the file, record a job and queue it; poll ``GET /ingest/{id}`` for the summary."""
    settings = state.runtime.settings
    async with read_form(request) as form:
        path, name, sha = await save_upload(
            form_file(form, "file"), settings.uploads_dir, settings.upload_max_bytes
        )

    def record() -> IngestJobOut:
        job = create_job(
            session,
            path,
            filename=name,
            sha256=sha,
            submitted_by=principal.name,
            owner_path=home_path(principal),
        )
        session.commit()
        state.queue.ingest(job.id)
        return _out(job)

    return await offload(None, record)


@router.get("/{job_id}", **access(At.SUBTREE, Permission.INGEST, reads=("ingest_jobs",)))
def get_job(job_id: int, principal: IngestorDep, session: SessionDep) -> IngestJobOut:
    """One job (of the caller's subtree) and its summary."""
    return _out(visible(principal, session.get(IngestJob, job_id), f"ingest job {job_id}"))


@router.get("", **access(At.SUBTREE, Permission.INGEST, reads=("ingest_jobs",)))
def list_jobs(principal: IngestorDep, session: SessionDep, limit: int = 50) -> list[IngestJobOut]:
    """Recent jobs of the caller's subtree, newest first."""
    query = select(IngestJob).where(owned_by(IngestJob.owner_path, principal))
    jobs = session.scalars(query.order_by(IngestJob.id.desc()).limit(min(limit, 500)))
    return [_out(j) for j in jobs]
