import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from faceauth import liveness, pad

DEFAULT_PEOPLE = (
    Path(settings.BASE_DIR) / "tests" / "fixtures" / "faces" / "liveness.csv"
)


class Command(BaseCommand):
    help = (
        "Measure the live check against presentation attacks, offline: the real "
        "engine and tracker on simulated checks (a still photo animated by a "
        "landmark-driven warp). Reports APCER per attack and BPCER (ISO/IEC "
        "30107-3 terms) and the time to a verdict."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--people",
            type=Path,
            default=DEFAULT_PEOPLE,
            metavar="PEOPLE.csv",
            help="rows of person,animate,enrol (enrol: photos joined with |), "
            "paths relative to the file (default: the fixture people)",
        )
        parser.add_argument(
            "--checks",
            type=int,
            default=1000,
            help="simulated checks per attack and for genuine shoppers",
        )
        parser.add_argument(
            "--quick",
            action="store_true",
            help="three people, a smaller library and 100 checks: a smoke run",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--what-if",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="measure with another rule, page or shopper (repeatable): "
            f"{', '.join(pad.WHAT_IF)}; a range as low,high",
        )
        parser.add_argument(
            "--json", action="store_true", help="end with one line of JSON"
        )

    def handle(self, *args, people, checks, quick, seed, json, what_if, **options):
        if checks < 1:
            raise CommandError("--checks must be at least 1")
        changes = dict(_what_if(text) for text in what_if)
        try:
            specs = pad.read_manifest(people)
        except pad.ManifestError as error:
            raise CommandError(str(error)) from None
        library = {}
        if quick:
            specs, checks = specs[:3], min(checks, 100)
            library = {"levels": 9, "variants": 1}
        faces = []
        for number, spec in enumerate(specs, 1):
            self._progress(f"rendering {spec.name} ({number}/{len(specs)})")
            faces.append(pad.person_from(spec, seed=seed + number, **library))
        with pad.what_if(changes):
            report = pad.evaluate(
                faces,
                checks=checks,
                tolerance=settings.FACEAUTH_TOLERANCE,
                seed=seed,
                progress=self._progress,
            )
            self._progress("")
            self._table(report, changes)
            if json:
                self.stdout.write(_json_line(report.as_json()))

    def _table(self, report: pad.Report, changes: dict):
        out = self.stdout.write
        for name, value in changes.items():
            out(f"what if: {name} = {value} (not the real setting)")
        out(
            f"{len(report.people)} people, {liveness.CUES_PER_CHECK} cues of "
            f"{len(liveness.ACTIONS)} actions per check, at most "
            f"{liveness.MAX_RESTARTS} restarts; tolerance "
            f"{settings.FACEAUTH_TOLERANCE}"
        )
        out(f"{'attack':34} {'APCER':>8} {'accepted':>14} {'95% upper':>10}")
        for name in pad.ATTACKS:
            accepted = f"{report.accepted[name]}/{report.checks[name]}"
            out(
                f"{name:34} {report.apcer[name]:8.3%} {accepted:>14} "
                f"{report.apcer_upper_95[name]:10.3%}"
            )
        genuine = report.checks["genuine"]
        refused = round(report.bpcer * genuine)
        out(
            f"{'genuine shoppers (BPCER)':34} {report.bpcer:8.3%} "
            f"{f'{refused}/{genuine}':>14} {report.bpcer_upper_95:10.3%}"
        )
        if report.genuine_failures:
            out(f"  genuine refusals: {dict(report.genuine_failures)}")
            out(f"  by person: {report.genuine_failures_by_person}")
        seconds = report.verdict_seconds
        if seconds:
            out(
                f"time to a verdict (genuine, first frame to approved): "
                f"p50 {seconds['p50']} s, p95 {seconds['p95']} s"
            )
        best = report.best_script
        out(
            f"blind recording's best timing: first move at {best['first_s']} s, one "
            f"every {best['period_s']} s, held {best['hold_s']} s: timed right "
            f"{best['timed_right']:.1%} of {best['timed_right_checks']} checks, "
            f"moves guessed right {best['moves_guessed_right']:.3%}"
        )
        out(f"({report.seconds} s)")

    def _progress(self, message: str):
        if sys.stderr.isatty():
            self.stderr.write(f"\r\033[K{message}", ending="")


def _what_if(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    try:
        return name, pad.what_if_value(name, value)
    except ValueError as error:
        raise CommandError(f"--what-if {text}: {error}") from None


def _json_line(summary: dict) -> str:
    return json.dumps(summary, separators=(",", ":"))
