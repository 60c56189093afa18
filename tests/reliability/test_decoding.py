"""Honest decoding (issue 13, section 3): legacy code pages, stray bytes, UTF-16 without a mark, PDF, binary."""

import pytest

from tests.reliability.files import LIMITS, refusal, write
from workbench.documents import read_documents, read_file

# Real sentences of the kind a fact-checker imports; each has the accents its language needs.
WESTERN = {
    "french": "Le ministre a déclaré que la réforme des retraites coûtera 3 milliards d'euros à l'État français, "
    "selon un rapport publié à Paris. « C’est une hausse de 2 % », a-t-il ajouté.",
    "spanish": "El gobierno español aprobó el jueves una ley que aumenta la pensión mínima. ¿Cuántos niños viven "
    "en la pobreza? Según el informe, más de un millón en España.",
    "german": "Die Bundesregierung hat am Donnerstag beschlossen, die Förderung für Wärmepumpen zu kürzen. "
    "Der Bürgermeister sagte: „Wir müssen die Straßen schützen.“ Größere Änderungen folgen.",
    "portuguese": "O governo português anunciou que a inflação caiu para 2,1% em março, segundo o instituto.",
    "italian": "Il governo italiano ha approvato una legge che aumenterà le pensioni più basse, così ha detto.",
}
# Text in other code pages: must not be read as cp1252 (which would garble it), whatever else happens.
OTHER = {
    "cp1251": "Президент России заявил, что экономика страны выросла на три процента в прошлом году.",
    "cp1253": "Ο πρωθυπουργός της Ελλάδας δήλωσε ότι η οικονομία αναπτύχθηκε κατά τρία τοις εκατό.",
    "cp1250": "Rząd ogłosił, że gospodarka urosła o trzy procent w zeszłym roku, według źródeł w Warszawie.",
    "cp1254": "Hükümet, ekonominin geçen yıl yüzde üç büyüdüğünü açıkladı, dedi İstanbul'daki bakan. Şişli ılık.",
}


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
@pytest.mark.parametrize("language", sorted(WESTERN))
def test_western_legacy_files_decode_exactly(tmp_path, language, encoding):
    text = WESTERN[language]
    if encoding == "latin-1":  # Latin-1 has no curly quotes; the same sentence with straight ones
        text = text.translate(str.maketrans("’„“", '\'""'))
    path = write(tmp_path, f"{language}.txt", text.encode(encoding))
    read = read_file(path, **LIMITS)
    [doc] = read.documents
    assert doc.text == text
    assert read.notes == ("not UTF-8: read as Windows-1252 (Western European)",)


def test_one_word_that_charset_normalizer_misread(tmp_path):
    # The example: charset_normalizer alone reads this as cp1006 ("espańol").
    [doc] = read_documents(write(tmp_path, "short.md", "# El pueblo español\n\nvota hoy.\n".encode("cp1252")), **LIMITS)
    assert doc.text.startswith("El pueblo español")


@pytest.mark.parametrize("codepage", sorted(OTHER))
def test_other_code_pages_are_not_forced_into_cp1252(tmp_path, codepage):
    text = OTHER[codepage]
    read = read_file(write(tmp_path, f"{codepage}.txt", text.encode(codepage)), **LIMITS)
    assert read.documents[0].text == text
    assert read.notes == (f"not UTF-8: read as {codepage} (detected)",)


def test_stray_bytes_in_utf8_are_replaced_and_reported(tmp_path):
    text = "Café owners in Orlan said prices rose by 20 percent — a “shock”, they said. Señora Núñez agreed.\n" * 5
    data = text.encode()
    cut = data.index(b"they", 150)  # between ASCII letters, so no neighbouring sequence is split or completed
    data = data[:40] + b"\xff\xfe" + data[40:cut] + b"\x81" + data[cut:]
    read = read_file(write(tmp_path, "stray.txt", data), **LIMITS)
    [doc] = read.documents
    assert read.notes == (f"3 invalid UTF-8 byte(s) replaced by U+FFFD (at byte 40, 41, {cut + 2})",)
    assert doc.text.count("\ufffd") == 3
    assert doc.text.replace("\ufffd", "") == text
    assert "Café owners" in doc.text and "Señora Núñez" in doc.text  # not Cyrillic, not mojibake
    doc.text.encode("utf-8")  # what leaves documents.py can be stored and embedded


def test_a_short_utf8_text_with_more_stray_bytes_than_accents_stays_utf8(tmp_path):
    # One valid sequence ("é") and two stray bytes: it used to be read as cp1252, turning "Café" into "CafÃ©".
    data = "Café prices in Orlan rose by 20 percent.".encode() + b"\xff\xfe\n"
    read = read_file(write(tmp_path, "short.txt", data), **LIMITS)
    assert read.documents[0].text.rstrip() == "Café prices in Orlan rose by 20 percent.\ufffd\ufffd"
    assert read.notes == ("2 invalid UTF-8 byte(s) replaced by U+FFFD (at byte 41, 42)",)


def test_bytes_no_encoding_fits_are_refused_with_offsets(tmp_path):
    message = refusal(write(tmp_path, "noise.txt", b"Officials said " + bytes(range(128, 256)) * 40))
    assert "not UTF-8 and no other text encoding fits (5120 invalid bytes, at byte 15, 16, 17, 18, 19, ...)" in message


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("language", ["french", "greek"])
def test_utf16_without_byte_order_mark_decodes(tmp_path, codec, language):
    text = (WESTERN["french"] if language == "french" else OTHER["cp1253"]) + "\n"
    read = read_file(write(tmp_path, "wide.txt", text.encode(codec)), **LIMITS)
    assert read.documents[0].text == text
    assert read.notes == (f"read as {codec.upper()} (no byte-order mark)",)


def test_utf16_with_byte_order_mark_still_decodes(tmp_path):
    [doc] = read_documents(write(tmp_path, "bom.txt", WESTERN["german"].encode("utf-16")), **LIMITS)
    assert doc.text == WESTERN["german"]


@pytest.mark.parametrize("name", ["report.txt", "report.md", "report.html", "report.csv", "report.jsonl"])
def test_pdf_is_named_as_pdf_whatever_its_suffix(tmp_path, name):
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\nBT /F1 12 Tf (Officials said) Tj ET\n%%EOF\n"
    message = refusal(write(tmp_path, name, pdf))
    assert "a PDF document, not text (PDF import is not supported" in message


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        bytes(range(256)) * 40,
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00\x01word/document.xml" * 50,
    ],
)
def test_other_binary_stays_binary(tmp_path, data):
    assert "binary data, not a text file" in refusal(write(tmp_path, "blob.txt", data))


def test_utf8_file_has_no_note(tmp_path):
    read = read_file(write(tmp_path, "plain.txt", WESTERN["spanish"].encode()), **LIMITS)
    assert read.notes == () and read.documents[0].text == WESTERN["spanish"]


def test_truncated_utf16_without_mark_is_called_broken_utf16(tmp_path):
    data = WESTERN["french"].encode("utf-16-le") + b"A"  # an odd byte count: cut mid-character
    message = refusal(write(tmp_path, "cut.txt", data))
    assert "looks like UTF-16-LE text but is broken (truncated data at byte" in message


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_with_byte_order_mark_decodes(tmp_path, codec):
    bom = b"\xff\xfe\x00\x00" if codec == "utf-32-le" else b"\x00\x00\xfe\xff"
    [doc] = read_documents(write(tmp_path, "wide32.txt", bom + WESTERN["italian"].encode(codec)), **LIMITS)
    assert doc.text == WESTERN["italian"]
