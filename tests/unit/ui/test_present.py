"""How the trace browser shows values: money, times, token totals, conversations."""

from __future__ import annotations

from app.ui.present import conversation, fmt_cost, fmt_time, tokens_of


def test_money_times_and_tokens_read_well() -> None:
    assert fmt_cost(0.00042) == "$0.0004" and fmt_cost(1234.5) == "$1,234.50"
    assert fmt_cost(0) == fmt_cost(None) == fmt_cost(True) == "\u2013"
    assert fmt_time(1_700_000_000_123) == "2023-11-14 22:13:20.123"
    assert tokens_of({"total_tokens": 0, "prompt_tokens": 3, "completion_tokens": 4}) == 7


def test_conversation_from_chat_history_or_messages_with_the_reply() -> None:
    chat = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "hi"}, {"type": "text", "text": "there"}],
        },
    ]
    found = conversation(
        {"inputs": {"chat_history": chat}, "outputs": {"role": "assistant", "content": "hello"}}
    )
    assert found == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi\nthere"},
        {"role": "assistant", "content": "hello"},
    ]
    openai_reply = {"choices": [{"message": {"role": "assistant", "content": "ok"}}]}
    assert conversation({"inputs": {"messages": chat[:1]}, "outputs": openai_reply}) == [
        {"role": "system", "content": "be brief"},
        {"role": "assistant", "content": "ok"},
    ]
    # Not a transcript: no conversation view.
    assert conversation({"inputs": {"messages": ["hi"]}}) is None
    assert conversation({"inputs": {"chat_history": []}}) is None
    assert conversation({"inputs": None}) is None
