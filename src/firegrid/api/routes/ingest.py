"""Upload fire-point files; they are ingested by a worker."""

from __future__ import annotations

from fastapi import APIRouter, UploadFile, status
from sqlalchemy import select

from firegrid.api.deps import IngestorDep, SessionDep, StateDep
from firegrid.api.schemas import IngestJobOut
from firegrid.api.uploads import save_upload
from firegrid.errors import NotFoundError
from firegrid.services.ingest import create_job
from firegrid.store.tables import IngestJob

router = APIRouter(prefix="/ingest", tags=["ingest"])


def _out(job: IngestJob) -> IngestJobOut:
    out = IngestJobOut.model_validate(job)
    out.summary = out.summary if job.summary else None
    return out


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def upload(
    file: UploadFile, principal: IngestorDep, session: SessionDep, state: StateDep
) -> IngestJobOut:
    """Store the file, record a job and queue it; poll ``GET /ingest/{id}`` for the summary."""
    settings = state.runtime.settings
    path, name, sha = await save_upload(file, settings.uploads_dir, settings.upload_max_bytes)
    job = create_job(session, path, filename=name, sha256=sha, submitted_by=principal.name)
    session.commit()
    state.queue.ingest(job.id)
    return _out(job)


@router.get("/{job_id}")
def get_job(job_id: int, _: IngestorDep, session: SessionDep) -> IngestJobOut:
    """One job and its summary."""
    job = session.get(IngestJob, job_id)
    if job is None:
        raise NotFoundError(f"no ingest job {job_id}")
    return _out(job)


@router.get("")
def list_jobs(_: IngestorDep, session: SessionDep, limit: int = 50) -> list[IngestJobOut]:
    """Recent jobs, newest first."""
    jobs = session.scalars(select(IngestJob).order_by(IngestJob.id.desc()).limit(min(limit, 500)))
    return [_out(j) for j in jobs]
