from hypothesis import given
from hypothesis import strategies as st

from rnn_tui.data.tokenizers import Tokenizer, detokenize_words
from rnn_tui.data.vocab import BOS_ID, SPECIALS, UNK_ID, Vocab


def test_specials_come_first_with_fixed_ids() -> None:
    vocab = Vocab.build("banana")
    assert vocab.tokens[:4] == SPECIALS
    assert vocab.id_of("<unk>") == UNK_ID
    assert vocab.tokens[4:] == ("a", "n", "b")  # by frequency, then by string


def test_vocab_is_deterministic_and_respects_limits() -> None:
    pieces = list("aaabbbccd")
    assert Vocab.build(pieces).tokens == Vocab.build(reversed(pieces)).tokens
    assert "d" not in Vocab.build(pieces, min_freq=2)
    assert len(Vocab.build(pieces, max_size=6)) == 6


@given(st.text(alphabet="abcdefgh \n.,'", max_size=200))
def test_char_round_trip(text: str) -> None:
    tokenizer = Tokenizer.fit("char", ["abcdefgh \n.,'"])
    assert tokenizer.decode(tokenizer.encode(text)) == text


@given(st.lists(st.sampled_from(["a", "n", "b", "x", "<unk>", "<bos>", "", "ab"])))
def test_ids_of_many_tokens_are_each_tokens_id(tokens: list[str]) -> None:
    vocab = Vocab.build("banana")
    expected = [vocab.tokens.index(t) if t in vocab.tokens else UNK_ID for t in tokens]
    assert vocab.ids_of(tokens) == expected
    assert vocab.ids_of(iter(tokens)) == expected


def test_unknown_characters_become_unk_and_stay_visible() -> None:
    tokenizer = Tokenizer.fit("char", ["hello"])
    ids = tokenizer.encode("hex")
    assert ids[2] == UNK_ID
    assert tokenizer.decode(ids) == "he<unk>"


def test_word_tokens_round_trip_through_ids() -> None:
    text = "O Romeo, Romeo! wherefore art thou Romeo?\nDeny thy father; 'tis o'er."
    tokenizer = Tokenizer.fit("word", [text])
    ids = tokenizer.encode(text)
    assert tokenizer.encode(tokenizer.decode(ids)) == ids
    assert "o'er" in tokenizer.vocab
    assert tokenizer.decode(ids).startswith("O Romeo, Romeo! wherefore")


def test_word_unknowns_map_to_unk() -> None:
    tokenizer = Tokenizer.fit("word", ["to be or not to be"])
    assert tokenizer.encode("to be a king") == [
        tokenizer.vocab.id_of("to"),
        tokenizer.vocab.id_of("be"),
        UNK_ID,
        UNK_ID,
    ]


def test_decode_skips_bos_and_detokenizes() -> None:
    tokenizer = Tokenizer.fit("char", ["ab"])
    assert tokenizer.decode([BOS_ID, *tokenizer.encode("ab")]) == "ab"
    assert detokenize_words(["Hi", ",", "you", "\n", "there", "."]) == "Hi, you\nthere."


def test_tokenizer_serialises() -> None:
    tokenizer = Tokenizer.fit("word", ["a b c a"])
    again = Tokenizer.from_dict(tokenizer.to_dict())
    assert again.kind == "word" and again.vocab.tokens == tokenizer.vocab.tokens
