"""app/domain/model_events.py: legacy model events remapped onto a model event."""

from __future__ import annotations

from app.domain.model_events import remap_model_event


def test_legacy_keys_move_into_inputs_and_response_into_outputs() -> None:
    fields = remap_model_event(
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": "hi"}],
            "usage": {"total_tokens": 3},
            "response": {"content": "hello"},
            "inputs": {"kept": 1},
            "event_name": "ask",
            "metadata": {"team": "a"},
            "ignored_key": "dropped",
        }
    )
    assert fields["event_type"] == "model"
    assert fields["inputs"] == {
        "kept": 1,
        "messages": [{"role": "user", "content": "hi"}],
        "usage": {"total_tokens": 3},
    }
    assert fields["outputs"] == {"response": {"content": "hello"}}
    assert fields["metadata"] == {"team": "a", "model_name": "gpt-4o"}
    assert fields["config"] == {"model": "gpt-4o"}
    assert fields["event_name"] == "ask"
    assert "ignored_key" not in fields


def test_model_name_names_an_unnamed_event_and_config_keeps_its_keys() -> None:
    fields = remap_model_event(
        {"model_name": "m", "model_version": "2", "config": {"temperature": 0, "model": "x"}}
    )
    assert fields["event_name"] == "m"
    assert fields["metadata"] == {"model_name": "m", "model_version": "2"}
    assert fields["config"] == {"model": "x", "temperature": 0}


def test_without_a_model_nothing_is_invented() -> None:
    fields = remap_model_event({"event_name": "e"})
    assert fields["metadata"] is None
    assert "config" not in fields
    assert fields["inputs"] == {}
    assert fields["outputs"] is None
