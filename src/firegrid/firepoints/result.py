"""What a parser returns: the good rows as ``Detections`` and the bad rows as errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from firegrid.detect.detections import Detections
from firegrid.errors import RowError


@dataclass
class ParseResult:
    """Detections parsed from one file, with per-row errors and notes."""

    format: str
    detections: Detections
    rows_read: int
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class RecordCollector:
    """Accumulates parsed records (dicts of Detections columns) and row errors."""

    def __init__(self, source_file: str, detector: str, version: str) -> None:
        self.source_file = source_file
        self.detector = detector
        self.version = version
        self.records: list[dict[str, Any]] = []
        self.errors: list[RowError] = []
        self.rows_read = 0

    def add(self, line: int, record: dict[str, Any]) -> None:
        """Keep one good record, stamping its provenance."""
        record.update(
            source_file=self.source_file,
            source_row=line,
            detector=self.detector,
            detector_version=self.version,
        )
        self.records.append(record)

    def fail(self, line: int | None, message: str) -> None:
        """Record one bad row."""
        self.errors.append(RowError(line, message))

    def result(self, fmt: str, warnings: list[str] | None = None) -> ParseResult:
        """The collected rows as a ``ParseResult``."""
        columns: dict[str, list[Any]] = {}
        for record in self.records:
            for key, value in record.items():
                columns.setdefault(key, []).append(value)
        n = len(self.records)
        for key, values in columns.items():
            if len(values) != n:
                raise ValueError(f"column {key} missing in some records")
        detections = Detections.from_columns(**columns) if n else Detections.empty()
        return ParseResult(fmt, detections, self.rows_read, self.errors, warnings or [])
