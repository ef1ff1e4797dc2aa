import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from faceauth.evaluation import PairsFileError, evaluate, read_pairs


class Command(BaseCommand):
    help = (
        "Measure false accepts and false rejects on labelled pairs of photos "
        "(CSV columns image_a,image_b,same). image_a is enrolled as at enrolment "
        "(join several photos with |), image_b is checked as a checkout frame."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pairs", required=True, type=Path, metavar="PAIRS.csv")
        parser.add_argument(
            "--json", action="store_true", help="end with one line of JSON"
        )
        parser.add_argument(
            "--distances", action="store_true", help="print every pair's distance"
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=None,
            help="tolerance to judge at (default: FACEAUTH_TOLERANCE)",
        )

    def handle(self, *args, pairs, json, distances, tolerance, **options):
        tolerance = settings.FACEAUTH_TOLERANCE if tolerance is None else tolerance
        try:
            pair_list = read_pairs(pairs)
        except PairsFileError as error:
            raise CommandError(str(error)) from None
        evaluation = evaluate(pair_list, progress=self._progress)
        summary = evaluation.summary(tolerance)
        out = self.stdout
        if distances:
            out.write("distance,same,image_a,image_b")
            for result in evaluation.results:
                distance = "" if result.distance is None else f"{result.distance:.4f}"
                enrol = "|".join(str(p) for p in result.pair.enrol)
                out.write(
                    f"{distance},{int(result.pair.same)},{enrol},{result.pair.probe}"
                )
        out.write(
            f"pairs {summary['pairs']} ({summary['same_pairs']} same, "
            f"{summary['diff_pairs']} different)\n"
            f"tolerance {tolerance:.2f}: FAR {summary['far']:.2%}  "
            f"FRR {summary['frr']:.2%}\n"
            f"largest same-person distance {summary['max_same_distance']}, "
            f"smallest different-person distance {summary['min_diff_distance']}\n"
            f"images with no face: {summary['no_face']}, unreadable: "
            f"{summary['unreadable']}, pairs not scored: {summary['pairs_unscored']}"
        )
        for path in sorted(evaluation.no_face):
            out.write(f"  no face: {path}")
        for path, reason in sorted(evaluation.unreadable.items()):
            out.write(f"  unreadable: {path} ({reason})")
        out.write("tolerance    FAR      FRR")
        for row in summary["table"]:
            out.write(
                f"  {row['tolerance']:.2f}   {row['far']:7.2%}  {row['frr']:7.2%}"
            )
        if json:
            out.write(_json_line(summary))

    def _progress(self, done, total):
        if sys.stderr.isatty() and (done % 50 == 0 or done == total):
            self.stderr.write(f"\r{done}/{total} pairs", ending="")
            if done == total:
                self.stderr.write("")


def _json_line(summary: dict) -> str:
    return json.dumps(summary, separators=(",", ":"))
