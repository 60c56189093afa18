"""File bytes to text, honestly: UTF-8 (stray bytes replaced, with a note), UTF-16/32, Windows-1252, else detected.

PDF and binary data are refused; every refusal is an IngestError naming the file. Nothing here writes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from workbench.errors import IngestError


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A file's text and how it was read; a note when the encoding was guessed or bytes were replaced."""

    text: str
    encoding: str
    note: str | None = None


# Characters no text file holds (C0 and C1 controls but tab, newline, vertical tab, form feed, carriage return).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Letters of French, Spanish, Portuguese, Italian, Catalan, German, Dutch, Danish, Norwegian and Swedish that
# Windows-1252 holds. Left out on purpose: ð þ ý (Icelandic) and š ž, which is what Russian (cp1251: р э ю), Greek
# (cp1253: π), Turkish (cp1254: ğ ş ı) and Czech (cp1250: š ž) text turns into when misread as cp1252.
_WESTERN_LETTERS = frozenset("àáâãäåæçèéêëìíîïñòóôõöøùúûüÿœßªºÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜŸŒ")
# A symbol inside a word ("Rz¹d", "mo¿e": Polish cp1250 misread as cp1252) marks a wrong code page;
# apostrophes, dashes, an ellipsis, the Catalan middle dot, no-break and soft hyphen do stand between letters.
_IN_WORD_OK = frozenset("’‘´·–—…\xa0\xad")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTERS = re.compile(r"[A-Za-z]+")
_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")  # one per invalid byte under errors="surrogateescape"
_UTF16_SAMPLE = 8192
# UTF-32 first: its little-endian mark begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def megabytes(size: float) -> str:
    """A size in MB as a limit message reads it: '0.3 MB', '12 MB', '0.001 MB' (never '0 MB' for a non-zero one)."""
    mb = size / 2**20
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.2g} MB" if mb >= 0.01 else f"{mb:.1g} MB" if mb else "0 MB"


def decode(path: Path, data: bytes) -> str:
    """Decode file bytes to text (see decode_text); refuse binary data, PDF and undecodable bytes."""
    return decode_text(path, data).text


def decode_text(path: Path | str, data: bytes) -> DecodedText:
    """Decode file bytes to text: UTF-8 (stray bad bytes replaced, with a note), UTF-16/32, cp1252, else detected.

    Raises IngestError for an empty file, a PDF, binary data, or bytes that no text encoding fits.
    """
    if not data.strip():
        raise IngestError(path, "file is empty")
    if data[:1024].lstrip().startswith(b"%PDF-"):
        raise IngestError(path, "a PDF document, not text (PDF import is not supported; save it as .txt or .html)")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(codec), codec)
            except UnicodeDecodeError as exc:
                raise IngestError(path, f"broken {codec.upper()} text ({exc.reason} at byte {exc.start})") from exc
    if b"\x00" in data[:_UTF16_SAMPLE]:
        return _utf16_without_bom(path, data)
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    bad = [m.start() for m in _ESCAPED_BYTE.finditer(text)]
    if not bad:
        return DecodedText(text, "utf-8")
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - len(bad)
    # A cp1252 file has (almost) no valid UTF-8 sequence and one invalid byte per accent: of FNC-1's 1,056 training
    # bodies with non-ASCII text, written in cp1252, 1,054 hold none and two hold one, beside 5 and 13 invalid
    # bytes. A UTF-8 file with stray bytes keeps its accents as valid sequences, and its stray bytes are few. So
    # only a file whose valid sequences are fewer than a quarter of its invalid bytes is read in another encoding:
    # a sentence with one accent and two stray bytes stays UTF-8 (with fewer than the bytes it went legacy, "Café"
    # read as "CafÃ©").
    legacy_like = multibyte * 4 < len(bad)
    if legacy_like and (legacy := _legacy_text(data)) is not None:
        return legacy
    offsets = [len(text[:i].encode("utf-8", errors="surrogateescape")) for i in bad[:5]]
    where = ", ".join(map(str, offsets)) + (", ..." if len(bad) > 5 else "")
    if not legacy_like:
        note = f"{len(bad)} invalid UTF-8 byte(s) replaced by U+FFFD (at byte {where})"
        return DecodedText(_ESCAPED_BYTE.sub("\ufffd", text), "utf-8", note)
    raise IngestError(
        path,
        f"not UTF-8 and no other text encoding fits ({len(bad)} invalid bytes, at byte {where}); save it as UTF-8",
    )


def _legacy_text(data: bytes) -> DecodedText | None:
    """Read a non-UTF-8 file: Windows-1252 when it reads as Western text, else what charset_normalizer detects.

    charset_normalizer alone misreads short Western text: on the French, Spanish, German, Portuguese and Italian
    sentences of tests/reliability/test_decoding.py its best guess was cp1250 or cp1006 for 5 of 8 ("español" ->
    "espańol"), and cp1252 for the Polish (cp1250) one ("Rz¹d"), while it read the Russian (cp1251), Greek
    (cp1253), Turkish (cp1254) and Czech (cp1250) ones right. cp1252 first, only when the result reads as Western
    text, then charset_normalizer's first guess with no symbol inside a word, got all of them right. Latin-1
    files read the same (cp1252 differs only in 0x80-0x9F, control characters in Latin-1 that text does not use).
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and _reads_as_western(text):
        return DecodedText(text, "cp1252", "not UTF-8: read as Windows-1252 (Western European)")
    for match in from_bytes(data):  # best guess first
        # 0.2: charset_normalizer's own default for "too chaotic to be this encoding".
        if match.chaos <= 0.2 and _letters_of_text(str(match)) is not None:
            return DecodedText(str(match), match.encoding, f"not UTF-8: read as {match.encoding} (detected)")
    return None


def _reads_as_western(text: str) -> bool:
    accented = _letters_of_text(text)
    if accented is None or not accented <= _WESTERN_LETTERS:
        return False
    count = sum(1 for m in _NON_ASCII.finditer(text) if m.group().isalpha())
    letters = count + len(text) - len(_ASCII_LETTERS.sub("", text))
    # Western languages accent a few letters in a hundred (the test texts 4 to 8 %); a misread Cyrillic or Greek
    # file has almost only "accented" letters. Half leaves room for a short title such as "Öl".
    return count <= letters / 2


def _letters_of_text(text: str) -> set[str] | None:
    """The non-ASCII letters of text, or None when it holds control characters or a symbol inside a word."""
    if _CONTROL.search(text):
        return None
    letters = set()
    for match in _NON_ASCII.finditer(text):
        char, i = match.group(), match.start()
        if char.isalpha():
            letters.add(char)
        elif char not in _IN_WORD_OK and text[i - 1 : i].isalpha() and text[i + 1 : i + 2].isalpha():
            return None
    return letters


def _utf16_without_bom(path: Path, data: bytes) -> DecodedText:
    """Read UTF-16 that has no byte-order mark, told by where its NUL bytes fall; otherwise it is binary data."""
    sample = data[: _UTF16_SAMPLE & ~1]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    # Every ASCII character (spaces, digits, punctuation, Latin letters) has a NUL high byte in UTF-16: Western
    # test texts have it in 90 % of their pairs, even the Greek and Russian ones (spaces, punctuation) in 16 %, so
    # a tenth. A NUL low byte needs U+xx00, which text rarely holds; binary data has NULs in both positions.
    for codec, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= pairs / 10 and other <= nuls / 20:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(
                    path, f"looks like {codec.upper()} text but is broken ({exc.reason} at byte {exc.start})"
                ) from exc
            if not _CONTROL.search(text):
                return DecodedText(text, codec, f"read as {codec.upper()} (no byte-order mark)")
    raise IngestError(path, "binary data, not a text file")


def read_bytes(path: Path, max_bytes: int, *, what: str = "file") -> bytes:
    """The bytes of a regular file of at most max_bytes; IngestError names the file and the problem otherwise.

    `what` names the file in the messages ("feed file": "no such feed file").
    """
    if not path.is_file():
        raise IngestError(path, f"no such {what}" if not path.exists() else "not a regular file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(
                path,
                f"{what} is {megabytes(size)}, over the {megabytes(max_bytes)} limit "
                "(raise it with WORKBENCH_MAX_FILE_MB)",
            )
        return path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read the {what} ({exc.strerror or exc})") from exc


def read_text(path: Path, max_bytes: int) -> DecodedText:
    """Read a file of at most max_bytes and decode it (see decode_text); IngestError names the file otherwise."""
    return decode_text(path, read_bytes(path, max_bytes))
