"""Voice and kiosk commands of ``daoban``: ``kiosk-sim``, ``kiosk-demo``, ``models check``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)

models_app = typer.Typer(no_args_is_help=True, help="Local model folders: check them.")


def _simulator_state(sm4_key: str | None, mac_key: str | None):  # type: ignore[no-untyped-def]  # noqa: ANN202
    from kiosk_bridge.sealing import Sealer
    from kiosk_bridge.simulator import SimulatorState
    from kiosk_bridge.testdata import synthetic_identities

    sealer = Sealer(sm4_key=bytes.fromhex(sm4_key), mac_key=bytes.fromhex(mac_key)) \
        if sm4_key and mac_key else None
    return SimulatorState(sealer=sealer, identities=synthetic_identities())


@models_app.command("check")
def models_check(
    path: Annotated[Path, typer.Argument(help="A vosk model folder")],
    load: Annotated[bool, typer.Option(help="Also load it with vosk")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Say whether PATH is a usable vosk model, its language and sample rate."""
    from speech.model_check import inspect_model

    info = inspect_model(path, load=load)
    if as_json:
        sys.stdout.write(info.model_dump_json() + "\n")
    else:
        table = Table(show_header=False)
        for key, value in info.model_dump().items():
            table.add_row(key, str(value))
        Console().print(table)
    if not info.usable:
        raise typer.Exit(code=1)


def kiosk_sim(
    host: Annotated[str | None, typer.Option(help="Bind address (loopback only, §8.3)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (8801, §8.3)")] = None,
    audio: Annotated[list[Path] | None, typer.Option(help="WAV files the pickup plays")] = None,
) -> None:
    """Serve the kiosk device simulator (pickup, voice prompt, soft keyboard, ID reader)."""
    import uvicorn

    from assistant.settings import load_settings
    from kiosk_bridge.simulator import create_simulator

    cfg = load_settings().kiosk
    sm4 = cfg.sm4_key_hex.get_secret_value() if cfg.sm4_key_hex else None
    mac = cfg.mac_key_hex.get_secret_value() if cfg.mac_key_hex else None
    state = _simulator_state(sm4, mac)
    for wav in audio or []:
        state.queue_wav(wav.read_bytes())
    uvicorn.run(create_simulator(state), host=host or cfg.simulator_host,
                port=port or cfg.simulator_port, log_level="warning")


async def _demo(audio: bytes, elderly: bool) -> dict[str, object]:
    from assistant.runtime import build_runtime
    from assistant.settings import load_settings
    from assistant.voice import build_voice, voice_turn_runner
    from kiosk_bridge.simulator import create_simulator

    settings = load_settings()
    state = _simulator_state(None, None)
    state.queue_wav(audio)
    runtime = build_runtime(settings)
    try:
        import httpx

        voice = build_voice(runtime, transport=httpx.ASGITransport(create_simulator(state)))
        try:
            runner = voice_turn_runner(runtime, voice)
            session = voice.bridge.sessions.start("demo", elderly=elderly)
            outcome = await runner.run(session)
        finally:
            await voice.bridge.aclose()
        # the console shows what was heard with personal data masked (§9.4.1 d)
        recognized = runtime.guardrails.pii.redact(outcome.recognition.text) \
            if outcome.recognition else None
    finally:
        runtime.close()
    return {
        "outcome": str(outcome.outcome),
        "asr": voice.speech.status().asr.model_dump(),
        "steps": [s.model_dump() for s in outcome.steps],
        "processing_ms": round(outcome.processing_ms, 1),
        "audio_ms": round(outcome.audio_ms, 1),
        "recognized": recognized,
        "confidence": outcome.recognition.confidence if outcome.recognition else None,
        "answer": outcome.reply.screen_text if outcome.reply else None,
        "device_calls": state.calls,
        "prompts": [p.text for p in state.prompts],
    }


def kiosk_demo(
    audio: Annotated[Path, typer.Option(help="WAV file the simulated pickup records")],
    elderly: Annotated[bool, typer.Option(help="Elderly mode (slower voice)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Run one voice turn against the in-process simulator and print each step's timing.

    The recognized text is printed with personal data (ID and phone numbers, names, ...)
    replaced by placeholders.
    """
    if not audio.is_file():
        raise typer.BadParameter(f"no such file: {audio}")
    from daoban.errors import DaobanError

    try:
        report = asyncio.run(_demo(audio.read_bytes(), elderly))
    except DaobanError as exc:  # e.g. a frozen pickup: kiosk.recording_stalled (bounded)
        console.print(f"[red]{exc.message_zh}[/red] ({exc.code})")
        raise typer.Exit(code=1) from None
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    out = Console()
    asr = report["asr"]
    assert isinstance(asr, dict)
    if not asr["available"]:
        out.print(f"[yellow]ASR off: {asr['reason']} → soft keyboard fallback[/yellow]")
    table = Table("step", "ms")
    for step in report["steps"]:  # type: ignore[attr-defined]
        table.add_row(step["name"], f"{step['ms']:.1f}")
    out.print(table)
    for key in ("outcome", "processing_ms", "audio_ms", "recognized", "confidence", "answer",
                "device_calls", "prompts"):
        out.print(f"[bold]{key}[/bold]: {report[key]}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the voice and kiosk commands to the ``daoban`` root."""
    app.command("kiosk-sim")(kiosk_sim)
    app.command("kiosk-demo")(kiosk_demo)
    app.add_typer(models_app, name="models")
