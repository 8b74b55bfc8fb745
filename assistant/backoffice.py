"""The back office of one process: usage statistics and the editor desk, built on the runtime.

Built by the app's lifespan next to the runtime (:func:`build_backoffice`) and handed to
requests as ``request.state.backoffice``; :meth:`Backoffice.run_forever` is the background
sweep that publishes due scheduled drafts (生效日期) and prunes old statistics.

Usage example::

    backoffice = build_backoffice(runtime)
    result, events = backoffice.count_turn(result, kiosk_id="K1", channel=InputChannel.VOICE)
    backoffice.stats.record(events)          # after the reply has gone out
    backoffice.record_after_reply(events, background)  # an HTTP turn: buffered, swept
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from fastapi import BackgroundTasks
from pydantic import ValidationError

from assistant import metrics
from assistant.models import TurnResult
from assistant.runtime import Runtime
from assistant.stats.answer_ids import AnswerIds, shared_key
from assistant.stats.queries import StatsReader
from assistant.stats.recorder import (
    InputChannel,
    StatsRecorder,
    UsageEvent,
    answered_matter,
    events_of,
    hour_of,
    utc_now,
)
from knowledge.editor.workflow import EditorDesk
from speech.api import VoiceTurnHandler
from speech.models import VoiceReply

logger = logging.getLogger(__name__)


@dataclass
class Backoffice:
    """Statistics (recorder, reader, answer ids) and the editor desk of one process."""

    runtime: Runtime
    stats: StatsRecorder
    reader: StatsReader
    answer_ids: AnswerIds
    desk: EditorDesk
    pending: set[asyncio.Future[bool]] = field(default_factory=set)
    """Counter writes still running in worker threads (kept referenced until done)."""

    def count_turn(
        self, result: TurnResult, *, kiosk_id: str | None, channel: InputChannel
    ) -> tuple[TurnResult, list[UsageEvent]]:
        """Give ``result`` its answer id and return the events to record after the reply.

        Never raises: a failure costs the statistics, not the answer.
        """
        try:
            now = utc_now()
            answer_id = self.answer_ids.issue(
                hour=hour_of(now), kiosk_id=kiosk_id or "", matter_code=answered_matter(result),
                channel=channel.value,
            )
            events = events_of(result, kiosk_id=kiosk_id, channel=channel, at=now)
        except Exception as exc:  # noqa: BLE001 - statistics never fail a citizen's turn
            self.stats.failures += 1
            logger.warning("turn not counted", extra={"error": type(exc).__name__})
            return result, []
        return result.model_copy(update={"answer_id": answer_id}), events

    def record_after_reply(self, events: list[UsageEvent], background: BackgroundTasks) -> None:
        """Count ``events`` of an HTTP turn without costing the reply a write or a thread hop.

        When the recorder buffers (``stats.flush_interval_s`` > 0) the events join its pending
        counts in memory (microseconds, on the event loop) and :meth:`run_forever`'s sweep
        writes them in a worker thread at most ``flush_interval_s`` later (shutdown writes the
        rest). Otherwise they are written by a background task after the reply, as before.
        Never raises.
        """
        if self.stats.flush_interval_s > 0:
            self.stats.buffer(events)
        else:
            background.add_task(self.stats.record, events)

    def sweep_once(self, *, prune: bool) -> None:
        """Publish due scheduled drafts; prune old statistics when ``prune``."""
        published = self.desk.publish_due()
        if published:
            logger.info("scheduled drafts published", extra={"count": len(published)})
        if prune:
            self.stats.prune(self.runtime.settings.stats.retention_days)

    async def run_forever(self) -> None:
        """The background sweep (cancel to stop); errors are logged and the sweep goes on."""
        settings = self.runtime.settings
        last_prune = last_sweep = -float("inf")
        poll_s = settings.editor.schedule_poll_s
        tick_s = min(poll_s, settings.stats.flush_interval_s or poll_s)
        while True:
            now = time.monotonic()
            if self.stats.flush_interval_s:  # counts buffered by quiet workers reach the table
                await asyncio.to_thread(self.stats.flush)
            if now - last_sweep >= poll_s:
                last_sweep = now
                prune = now - last_prune >= settings.stats.prune_interval_s
                try:
                    await asyncio.to_thread(self.sweep_once, prune=prune)
                    if prune:
                        last_prune = now
                except Exception:  # noqa: BLE001 - the sweep must outlive one bad round
                    logger.exception("back-office sweep failed")
            await asyncio.sleep(tick_s)


def counted_voice_turn(handler: VoiceTurnHandler, backoffice: Backoffice) -> VoiceTurnHandler:
    """``handler`` (the ``WS /v1/voice`` turn) with its turns counted as voice (§10.1).

    The reply's result gains its ``answer_id``; the counters are written in a worker thread
    after the reply is returned, and any failure is swallowed and counted.
    """

    async def handle(text: str, session_id: str | None, elderly: bool) -> VoiceReply:
        reply = await handler(text, session_id, elderly)
        try:
            result = TurnResult.model_validate(reply.result)
        except ValidationError:
            return reply
        metrics.count_turn(result, str(InputChannel.VOICE))
        counted, events = backoffice.count_turn(result, kiosk_id=None, channel=InputChannel.VOICE)
        task = asyncio.get_running_loop().run_in_executor(None, backoffice.stats.record, events)
        backoffice.pending.add(task)
        task.add_done_callback(backoffice.pending.discard)
        return reply.model_copy(update={"result": counted.model_dump(mode="json")})

    return handle


def build_backoffice(runtime: Runtime) -> Backoffice:
    """Build the back office on ``runtime``'s database, store and guardrails."""
    settings = runtime.settings
    return Backoffice(
        runtime=runtime,
        stats=StatsRecorder(
            runtime.sessions_db, enabled=settings.stats.enabled,
            flush_interval_s=settings.stats.flush_interval_s,
        ),  # fmt: skip
        reader=StatsReader(runtime.sessions_db, ZoneInfo(settings.stats.timezone)),
        answer_ids=AnswerIds(
            shared_key(runtime.sessions_db), window_h=settings.stats.feedback_window_h
        ),
        desk=EditorDesk(
            runtime.store, runtime.sessions_db, scanner=runtime.guardrails.matter_scanner
        ),
    )


async def stop(task: asyncio.Task[None]) -> None:
    """Cancel the sweep task and wait for it."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
