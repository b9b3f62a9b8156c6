"""Retraining from the FAQ studio, the pure parts: progress read from Rasa's real output, the
held-out score, the gate and the checks of the training questions; and loading a model into
Rasa servers scripted through an injected transport."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from agent.faq.training import (
    DeployFailed,
    Evaluation,
    Progress,
    Stage,
    _deploy,
    check_training_data,
    faq_accuracy,
    gate,
    load_into_rasa,
    parse_progress,
)
from agent.faq.training_progress import rasa_problems

# Lines of one real `rasa train` of this project (Rasa 3.6.21, 2 cores, 141 s), in order, as the
# runner splits them (tqdm redraws after "\r"). Most epoch redraws are left out.
TRAIN_OUTPUT = [
    "2026-11-23 02:15:01 INFO     rasa.cli.train  - Started validating domain and training data...",
    "\x1b[0m2026-11-23 02:15:04 INFO     rasa.validator  - Validating intents...",
    "\x1b[93m/work/main/.venv-rasa/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: "
    "UserWarning: You have an overlap between the 'RegexEntityExtractor' and the statistical "
    "entity extractors DIETClassifier in your configuration.",
    "Processed rules: 100%|██████████| 48/48 [00:00<00:00, 6378.77it/s, # trackers=1]",
    "2026-11-23 02:15:05 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'RulePolicy'.",
    "2026-11-23 02:15:05 INFO     rasa.engine.training.hooks  - Finished training component "
    "'RulePolicy'.",
    "2026-11-23 02:15:08 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'RegexEntityExtractor'.",
    "2026-11-23 02:15:10 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'CountVectorsFeaturizer'.",
    "2026-11-23 02:15:12 INFO     rasa.engine.training.hooks  - Finished training component "
    "'CountVectorsFeaturizer'.",
    "2026-11-23 02:15:16 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'DIETClassifier'.",
    "Epochs:   0%|          | 0/100 [00:00<?, ?it/s]",
    "Epochs:   1%|          | 1/100 [00:02<04:08,  2.51s/it, t_loss=3.92, i_acc=0.685]",
    "Epochs:  50%|█████     | 50/100 [00:20<00:12,  3.85it/s, t_loss=1.77, i_acc=1]",
    "Epochs: 100%|██████████| 100/100 [00:32<00:00,  4.73it/s, t_loss=1.6, i_acc=1] ",
    "Epochs: 100%|██████████| 100/100 [00:32<00:00,  3.05it/s, t_loss=1.6, i_acc=1]",
    "2026-11-23 02:15:49 INFO     rasa.engine.training.hooks  - Finished training component "
    "'DIETClassifier'.",
    "2026-11-23 02:15:50 INFO     rasa.engine.training.hooks  - Starting to train component "
    "'ResponseSelector'.",
    "Epochs:   1%|          | 1/100 [00:02<04:21,  2.64s/it, t_loss=10.2, r_acc=0.296]",
    "Epochs:  50%|█████     | 50/100 [00:43<00:29,  1.69it/s, t_loss=6.47, r_acc=1]",
    "Epochs: 100%|██████████| 100/100 [01:12<00:00,  1.73it/s, t_loss=5.42, r_acc=1]",
    "2026-11-23 02:17:15 INFO     rasa.engine.training.hooks  - Finished training component "
    "'ResponseSelector'.",
    "\x1b[92mYour Rasa model is trained and saved at '/tmp/tr/out/measure.tar.gz'.\x1b[0m",
]


def _replay(lines: list[str], start: Progress) -> list[Progress]:
    seen = [start]
    for line in lines:
        found = parse_progress(line, seen[-1])
        if found is not None:
            seen.append(found)
    return seen


def test_progress_through_a_real_training_rises_from_10_to_85() -> None:
    seen = _replay(TRAIN_OUTPUT, Progress.start_of(Stage.TRAIN))
    percents = [p.percent for p in seen]
    assert percents == sorted(percents)
    assert {p.stage for p in seen} == {Stage.TRAIN}  # its validation lines move nothing
    assert percents[-1] == 85
    assert seen[-1].message == "The new model is trained."


def test_epochs_count_for_the_component_being_trained() -> None:
    seen = _replay(TRAIN_OUTPUT, Progress.start_of(Stage.TRAIN))
    by_message = {p.message: p.percent for p in seen}
    diet_half = by_message["Learning to tell FAQ questions from other messages (round 50 of 100)."]
    selector_half = by_message["Learning which answer fits each question (round 50 of 100)."]
    # The ResponseSelector takes ~85 s of the 141, the DIETClassifier ~33.
    assert 18 < diet_half < 36 < selector_half < 81
    assert by_message["Learning which answer fits each question: done."] == 81


def test_validation_lines_move_the_validate_stage_only() -> None:
    start = Progress.start_of(Stage.VALIDATE)
    found = parse_progress(
        "2026-11-23 02:18:09 INFO     rasa.validator  - Validating utterances...", start
    )
    assert found == Progress(Stage.VALIDATE, 7, "Checking the training questions.")
    later = Progress(Stage.TRAIN, 40, "x")
    assert parse_progress("2026-11-23 INFO rasa.validator  - Validating intents...", later) is None


def test_lines_that_say_nothing_new_give_none() -> None:
    current = Progress(Stage.TRAIN, 14, "Reading the words of the training questions.")
    assert parse_progress("  declare_namespace(pkg)", current) is None
    assert parse_progress("Processed trackers: 100%|██████████| 48/48", current) is None
    # An epoch bar outside a learned component's span (another config's component).
    assert parse_progress("Epochs:  50%|█████     | 50/100 [00:20<00:12]", current) is None


def test_a_component_restored_from_cache_jumps_to_its_end() -> None:
    current = Progress(Stage.TRAIN, 14, "x")
    found = parse_progress(
        "2026-11-23 INFO     rasa.engine.training.hooks  - Restored component "
        "'DIETClassifier' from cache.",
        current,
    )
    assert found is not None and found.percent == 36


def test_evaluation_lines_fill_85_to_95() -> None:
    current = Progress(Stage.TRAIN, 85, "The new model is trained.")
    half = parse_progress("evaluate 308/616", current)
    assert half is not None and half.stage == Stage.EVALUATE and half.percent == 90
    end = parse_progress("evaluate 616/616", half)
    assert end is not None and end.percent == 94


def _predictions(right: int, wrong: int, key: str = "faq/returns") -> list[tuple[str, str, float]]:
    return [(key, key, 0.9)] * right + [(key, "faq/other", 0.9)] * wrong


def test_faq_accuracy_counts_faq_labels_and_unsure_right_answers_as_misses() -> None:
    predictions = [
        ("faq/returns", "faq/returns", 0.95),
        ("faq/returns", "faq/returns", 0.30),  # right key, but the customer gets "not sure"
        ("faq/shipping", "faq/returns", 0.99),
        ("faq/shipping", "faq/shipping", 0.50),  # at the threshold: answered
        ("greet", "greet", 1.0),  # not a FAQ: not counted
        ("greet", "faq/returns", 1.0),
    ]
    evaluation = faq_accuracy(predictions, min_confidence=0.5)
    assert evaluation == Evaluation(
        accuracy=0.5, per_key={"faq/returns": 0.5, "faq/shipping": 0.5}, examples=4
    )


def test_faq_accuracy_of_nothing_is_zero_of_zero() -> None:
    assert faq_accuracy([("greet", "greet", 1.0)], min_confidence=0.5) == Evaluation(0.0, {}, 0)


def _evaluation(accuracy: float, **per_key: float) -> Evaluation:
    return Evaluation(accuracy, {f"faq/{k}": v for k, v in per_key.items()}, examples=196)


def test_gate_passes_a_better_model() -> None:
    verdict = gate(_evaluation(0.88, a=0.9), _evaluation(0.85, a=0.9), max_drop=0.02)
    assert verdict.passed
    assert "88.0 %" in verdict.reason and "85.0 %" in verdict.reason


def test_gate_passes_a_small_drop_within_the_margin() -> None:
    # Exactly 2 points: 0.87 - 0.85 is 0.02000000000000002 in floating point.
    verdict = gate(_evaluation(0.85, a=0.8), _evaluation(0.87, a=0.9), max_drop=0.02)
    assert verdict.passed


def test_gate_refuses_a_large_drop_and_names_the_numbers() -> None:
    verdict = gate(_evaluation(0.82), _evaluation(0.87), max_drop=0.02)
    assert not verdict.passed
    assert verdict.reason == (
        "The live model stays: the new model answers 82.0 % of the test questions right, the "
        "live model 87.0 %: 5.0 points worse, more than the 2.0 points allowed."
    )


def test_gate_refuses_one_faq_that_stopped_being_answered_even_when_the_average_holds() -> None:
    candidate = _evaluation(0.86, returns=0.5, shipping=1.0, new_key=1.0)
    baseline = _evaluation(0.87, returns=0.9, shipping=0.9, removed=1.0)
    verdict = gate(candidate, baseline, max_drop=0.02)
    assert not verdict.passed
    assert "returns drops from 90.0 % to 50.0 % (40.0 points worse" in verdict.reason
    assert "shipping" not in verdict.reason
    # Four of a key's 14 held-out questions lost (28.6 points) is within the per-key margin
    # (retraining alone has cost a key 3); five (35.7 points) is not.
    assert gate(_evaluation(0.87, a=10 / 14), _evaluation(0.87, a=1.0), max_drop=0.02).passed
    assert not gate(_evaluation(0.87, a=9 / 14), _evaluation(0.87, a=1.0), max_drop=0.02).passed


def test_gate_without_a_live_model_or_test_questions_passes_and_says_so() -> None:
    first = gate(_evaluation(0.8), None, max_drop=0.02)
    assert first.passed and "No live model" in first.reason
    untested = gate(Evaluation(0.0, {}, 0), _evaluation(0.9), max_drop=0.02)
    assert untested.passed and "nothing to test" in untested.reason


def _questions(**keys: tuple[list[str], list[str]]) -> dict[str, dict[str, list[str]]]:
    return {key: {"en": en, "ja": ja} for key, (en, ja) in keys.items()}


GOOD = (["where is my order", "track my parcel"], ["注文はどこ？", "追跡したい"])


def test_good_training_data_has_no_problems() -> None:
    assert check_training_data(_questions(order_status=GOOD), answered={"order_status"}) == []


def test_a_key_needs_two_questions_in_each_language() -> None:
    problems = check_training_data(_questions(gifts=(["gift wrap?"], ["ラッピング", " "])))
    assert problems == [
        "gifts has 1 English training question: it needs at least 2.",
        "gifts has 1 Japanese training question: it needs at least 2.",
        "gifts has an empty Japanese question.",
    ]
    assert check_training_data({"gifts": {"en": GOOD[0]}}) == [
        "gifts has 0 Japanese training questions: it needs at least 2."
    ]


def test_a_question_shared_by_two_keys_after_normalising() -> None:
    problems = check_training_data(
        _questions(
            order_status=GOOD,
            cancel_order=(["cancel please", "  Where  is my ORDER "], ["キャンセル", "取り消し"]),
            returns=(["refund", "return it"], ["返品", "ﾗｯﾋﾟﾝｸﾞ"]),
            gift_wrapping=(["wrap", "gift"], ["ラッピング", "包装"]),  # NFKC: ﾗｯﾋﾟﾝｸﾞ = ラッピング
        )
    )
    assert problems == [
        "“where is my order” (order_status) is the same question as “Where  is my ORDER” "
        "(cancel_order): the model cannot learn one question as two FAQs.",
        "“ﾗｯﾋﾟﾝｸﾞ” (returns) is the same question as “ラッピング” (gift_wrapping): the model cannot "
        "learn one question as two FAQs.",
    ]
    same = check_training_data(_questions(order_status=GOOD, cancel_order=GOOD))
    assert same[0] == (
        "“where is my order” is a training question of both cancel_order and order_status: "
        "the model cannot learn one question as two FAQs."
    )


@pytest.mark.parametrize("key", ["Order_Status", "order-status", "order status", "注文", ""])
def test_keys_use_lower_case_letters_digits_and_underscores(key: str) -> None:
    problems = check_training_data({key: {"en": GOOD[0], "ja": GOOD[1]}})
    assert problems == [f"The key {key!r} may only use lower-case letters, digits and underscores."]


def test_keys_without_an_answer_and_answers_without_questions() -> None:
    problems = check_training_data(_questions(order_status=GOOD), answered={"gift_wrapping"})
    assert problems == [
        "order_status has training questions but no answer (utter_faq/order_status): the bot "
        "could never give it.",
        "gift_wrapping has an answer but no training questions: the bot could never give it.",
    ]


def test_rasa_problems_keep_rasas_words_without_paths_colours_or_noise() -> None:
    # Real output of `rasa data validate --fail-on-warnings` (an example under faq and greet)
    # and of a file that is not YAML.
    output = [
        "\x1b[93m/work/main/.venv-rasa/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: "
        "UserWarning: The following duplicated intents have been found across multiple domain "
        "files: faq",
        "  More info at https://rasa.com/docs/rasa/domain",
        "/work/main/.venv-rasa/lib/python3.10/site-packages/pkg_resources/__init__.py:3117: "
        "DeprecationWarning: Deprecated call to `pkg_resources.declare_namespace('ruamel')`.",
        "\x1b[0m2026-11-23 02:18:16 INFO     rasa.validator  - Validating intents...",
        "\x1b[93m/work/main/.venv-rasa/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: "
        "UserWarning: The example 'where is my order?' was found labeled with multiple different "
        "intents in the training data. Each annotated message should only appear with one "
        "intent. You should fix that conflict The example is labeled with: faq, greet.",
        "\x1b[91mProject validation completed with errors.\x1b[0m",
        "\x1b[91mYamlSyntaxException: Failed to read 'nlu_data/faq_orders.yml'. while parsing a "
        "block mapping",
        '  in "nlu_data/faq_orders.yml", line 377, column 3:',
        "    - intent: faq/x",
        "expected <block end>, but found '-'",
        "",
        "You can use https://yamlchecker.com/ to validate the YAML syntax of your file.\x1b[0m",
    ]
    assert rasa_problems(output) == [
        "The example 'where is my order?' was found labeled with multiple different intents in "
        "the training data. Each annotated message should only appear with one intent. You "
        "should fix that conflict The example is labeled with: faq, greet.",
        "YamlSyntaxException: Failed to read 'nlu_data/faq_orders.yml'. while parsing a block "
        'mapping in "nlu_data/faq_orders.yml", line 377, column 3: - intent: faq/x expected '
        "<block end>, but found '-'",
    ]


# --- loading the new model into Rasa -------------------------------------------------------


class FakeRasa:
    """Rasa servers' model swap channel and `/status`, scripted per host."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        self.refuse = refuse or set()
        self.serving: dict[str, str] = {}
        self.calls: list[tuple[str, str, str]] = []  # method, host, model file or ""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if request.method == "PUT" and request.url.path == "/webhooks/model_swap/load":
            assert request.headers["authorization"] == "Bearer tok"
            model_file = json.loads(request.content)["model_file"]
            self.calls.append(("PUT", host, model_file))
            if host in self.refuse and model_file.endswith("new.tar.gz"):
                return httpx.Response(422, json={"error": "the model could not be loaded"})
            self.serving[host] = Path(model_file).name
            return httpx.Response(200, json={"model_file": Path(model_file).name})
        if request.method == "GET" and request.url.path == "/status":
            assert request.url.params["token"] == "tok"
            self.calls.append(("GET", host, ""))
            return httpx.Response(200, json={"model_file": self.serving.get(host)})
        return httpx.Response(404)


URLS = ["http://rasa-a:5005", "http://rasa-b:5005/"]


async def test_the_model_is_loaded_into_each_server_in_turn_and_checked() -> None:
    rasa = FakeRasa()
    async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
        await load_into_rasa(http, URLS, token="tok", model_path=Path("/m/new.tar.gz"))
    assert rasa.calls == [
        ("PUT", "rasa-a", "/m/new.tar.gz"),
        ("GET", "rasa-a", ""),
        ("PUT", "rasa-b", "/m/new.tar.gz"),
        ("GET", "rasa-b", ""),
    ]


async def test_a_refusal_names_the_server_and_what_rasa_said() -> None:
    rasa = FakeRasa(refuse={"rasa-b"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
        with pytest.raises(DeployFailed) as failed:
            await load_into_rasa(http, URLS, token="tok", model_path=Path("/m/new.tar.gz"))
    assert failed.value.stage == Stage.DEPLOY
    assert failed.value.reason == (
        "Rasa at http://rasa-b:5005 refused the new model (422: the model could not be loaded)."
    )
    assert failed.value.loaded == ["http://rasa-a:5005"]


async def test_a_deploy_that_fails_part_way_puts_the_live_model_back() -> None:
    rasa = FakeRasa(refuse={"rasa-b"})
    async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
        with pytest.raises(DeployFailed) as failed:
            await _deploy(
                http,
                URLS,
                token="tok",
                model=Path("/m/new.tar.gz"),
                live_model=Path("/m/live.tar.gz"),
            )
    assert rasa.serving == {"rasa-a": "live.tar.gz"}
    assert failed.value.loaded == []  # no server is left on the new model
    assert failed.value.reason.endswith("The live model was put back on http://rasa-a:5005.")
