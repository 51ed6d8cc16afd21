"""`leumund aspects eval FILE.tsv`: how well topics and their polarity match a labelled file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from leumund.cli.args import SubParsers, add_config_arg
from leumund.cli.sentiment import sentiment_settings
from leumund.errors import OperatorError
from sentiment.base import ModelUnavailable
from sentiment.loading import load_classifier
from sentiment.topics.analyze import TopicAnalyzer
from sentiment.topics.evaluate import AspectDataError, read_rows, score
from sentiment.topics.settings import TopicSettings


def register(sub: SubParsers) -> None:
    parser = sub.add_parser("aspects", help="score topic detection on labelled sentences")
    actions = parser.add_subparsers(dest="aspects_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "eval", help="score topics and their polarity on a TSV (id, text, aspects columns)"
    )
    p.add_argument("file", type=Path, help="tab-separated file: text, aspects (cat:polarity;…)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", help="sentiment model directory or hub id (default: sentiment.model)")
    add_config_arg(p)
    p.set_defaults(handler=_eval)


def _eval(args: argparse.Namespace) -> int:
    settings, base_dir, config = sentiment_settings(args)
    topics = config.topics if config is not None else TopicSettings()
    try:
        rows = read_rows(args.file)
        classifier = load_classifier(settings, base_dir)
        result = score(rows, TopicAnalyzer(topics.lexicon(), classifier))
    except (AspectDataError, ModelUnavailable) as exc:
        raise OperatorError(str(exc)) from None
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(_describe(result))
    return 0


def _describe(result: dict[str, object]) -> str:
    lines = [
        f"n                    {result['n']}",
        f"detection micro-F1   {result['detection_micro_f1']:.4f}",
        f"detection macro-F1   {result['detection_macro_f1']:.4f}",
        f"polarity accuracy    {result['polarity_accuracy']:.4f}",
        "topic                 precision recall   F1       support polarity",
    ]
    per: dict[str, dict[str, float]] = result["per_category"]  # type: ignore[assignment]
    for name, s in per.items():
        lines.append(
            f"{name:<21} {s['precision']:<9.4f} {s['recall']:<8.4f} {s['f1']:<8.4f}"
            f" {int(s['support']):<7d} {s['polarity_accuracy']:.4f}"
        )
    return "\n".join(lines)
