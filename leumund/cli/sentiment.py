"""`leumund sentiment …`: evaluate a model on a labelled file, download or train one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from alerts.settings import AlertRules
from leumund.cli.args import SubParsers, add_config_arg, config_from
from leumund.errors import OperatorError
from sentiment.base import ModelUnavailable
from sentiment.download import default_directory, download_model
from sentiment.evaluate import EvalDataError, Metrics, evaluate, read_examples
from sentiment.loading import load_classifier
from sentiment.rule_eval import read_starred, rule_on_reviews
from sentiment.settings import SentimentSettings


def register(sub: SubParsers) -> None:
    parser = sub.add_parser("sentiment", help="evaluate, download or train sentiment models")
    actions = parser.add_subparsers(dest="sentiment_command", metavar="ACTION", required=True)
    _add_eval(actions)
    _add_download(actions)
    _add_train(actions)


def _add_eval(actions: SubParsers) -> None:
    p = actions.add_parser(
        "eval",
        help="score the model on a labelled TSV (label, text columns), or check the"
        " negative-text alert rule on star-rated reviews (--alert-rule: stars, text columns)",
    )
    p.add_argument("file", type=Path, help="tab-separated file with a header row")
    p.add_argument("--binary", action="store_true", help="positive vs negative rows only")
    p.add_argument(
        "--alert-rule",
        action="store_true",
        help="share of <= 2-star and of 5-star reviews whose text the rule flags",
    )
    p.add_argument(
        "--threshold",
        type=float,
        help="with --alert-rule: P(negative) to test (default: the default of"
        f" alerts.negative_probability, {AlertRules().negative_probability})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--model", help="model directory or hub id (default: sentiment.model)")
    add_config_arg(p)
    p.set_defaults(handler=_eval)


def _add_download(actions: SubParsers) -> None:
    p = actions.add_parser("download", help="fetch a Hugging Face model into a directory")
    p.add_argument("model", help="Hugging Face id, e.g. oliverguhr/german-sentiment-bert")
    p.add_argument("--dir", type=Path, help="target directory (default: models/OWNER--NAME)")
    p.set_defaults(handler=_download)


def _add_train(actions: SubParsers) -> None:
    # '+' as the only option prefix lets every "-…" argument pass through to the trainer.
    p = actions.add_parser(
        "train",
        help="build the bundled model (arguments go to python -m sentiment.training; try --help)",
        add_help=False,
        prefix_chars="+",
    )
    p.add_argument("train_args", nargs=argparse.REMAINDER, help="trainer arguments")
    p.set_defaults(handler=_train)


def _settings(args: argparse.Namespace) -> tuple[SentimentSettings, Path | None]:
    """Sentiment settings from config.yaml; defaults when the default config is absent."""
    path: Path = args.config
    if path.exists() or str(path) != "config.yaml":
        config = config_from(args)
        settings, base = config.sentiment, config.base_dir
    else:
        settings, base = SentimentSettings(), None
    if args.model:
        settings, base = settings.model_copy(update={"model": args.model}), None
    return settings, base


def _eval(args: argparse.Namespace) -> int:
    if args.alert_rule:
        return _eval_rule(args)
    if args.threshold is not None:
        raise OperatorError("--threshold goes with --alert-rule")
    settings, base_dir = _settings(args)
    try:
        examples = read_examples(args.file)
        classifier = load_classifier(settings, base_dir)
        metrics = evaluate(classifier, examples, args.binary)
    except (EvalDataError, ModelUnavailable) as exc:
        raise OperatorError(str(exc)) from None
    if args.json:
        print(json.dumps(metrics.as_dict()))
    else:
        print(_describe(metrics, classifier.name, args.binary))
    return 0


def _eval_rule(args: argparse.Namespace) -> int:
    if args.binary:
        raise OperatorError("--binary and --alert-rule are separate evaluations; choose one")
    threshold = AlertRules().negative_probability if args.threshold is None else args.threshold
    if not 0 < threshold <= 1:  # also refuses nan
        raise OperatorError(f"--threshold {threshold} is no probability; give one in (0, 1]")
    settings, base_dir = _settings(args)
    try:
        reviews = read_starred(args.file)
        classifier = load_classifier(settings, base_dir)
        point = rule_on_reviews(classifier, reviews, threshold)
    except (EvalDataError, ModelUnavailable) as exc:
        raise OperatorError(str(exc)) from None
    if args.json:
        print(json.dumps(point.as_dict()))
        return 0
    print(f"model         {classifier.name}")
    print(f"threshold     {point.threshold}  (P(negative) at which a text alerts)")
    print(f"<= 2 stars    {point.flagged_low:.3f} of {point.n_low} flagged")
    print(f"5 stars       {point.flagged_five:.3f} of {point.n_five} flagged")
    return 0


def _describe(metrics: Metrics, model: str, binary: bool) -> str:
    mode = "binary (positive vs negative)" if binary else "3 labels"
    lines = [
        f"model     {model}",
        f"mode      {mode}",
        f"n         {metrics.n}",
        f"accuracy  {metrics.accuracy:.4f}",
        f"macro-F1  {metrics.macro_f1:.4f}",
    ]
    lines += [f"F1 {label:<8} {value:.4f}" for label, value in metrics.per_label.items()]
    return "\n".join(lines)


def _download(args: argparse.Namespace) -> int:
    directory: Path = args.dir or default_directory(args.model)
    try:
        download_model(args.model, directory)
    except ModelUnavailable as exc:
        raise OperatorError(str(exc)) from None
    print(f"{args.model} saved in {directory}")
    print(f"use it with  sentiment: {{model: {directory.resolve()}}}  in config.yaml")
    return 0


def _train(args: argparse.Namespace) -> int:
    # Imported here: training needs only to work where the trainer's extras are installed.
    from sentiment.training import cli

    return cli.main(args.train_args)
