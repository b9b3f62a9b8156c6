"""The model swap channel's checks (rasa_addons/model_swap.py), in the Rasa environment. The
swap itself runs against the real Rasa in tests/e2e/test_studio_retrain.py."""

from pathlib import Path

from rasa_addons.model_swap import ModelSwapInput, authorised, model_path_problem


def test_only_the_configured_bearer_token_may_load_a_model() -> None:
    assert authorised("Bearer s3cret", "s3cret")
    assert not authorised("Bearer wrong", "s3cret")
    assert not authorised("s3cret", "s3cret")
    assert not authorised(None, "s3cret")
    # No token configured: nobody may (the channel is never open by accident).
    assert not authorised("Bearer ", None)
    assert not authorised("Bearer ", "")


def test_a_model_path_must_name_an_existing_archive(tmp_path: Path) -> None:
    model = tmp_path / "studio-1.tar.gz"
    model.write_bytes(b"not really a model")
    assert model_path_problem(str(model)) is None
    assert "no model file" in str(model_path_problem(str(tmp_path / "missing.tar.gz")))
    assert ".tar.gz" in str(model_path_problem(str(tmp_path)))
    assert "path" in str(model_path_problem(None))
    assert "path" in str(model_path_problem(42))


def test_the_channel_reads_its_token_from_the_credentials() -> None:
    channel = ModelSwapInput.from_credentials({"token": "abc"})
    assert channel.token == "abc" and ModelSwapInput.name() == "model_swap"
    assert ModelSwapInput.from_credentials(None).token is None
