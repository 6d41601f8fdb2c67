"""The recogniser's second choices, settled by the words of the language (``reading.lattice``,
``reading.spelling``): lattices read from rendered text by the bundled model, and lattices
written out step by step as the model gives them (a misread letter whose second choice is
the right one, as on the scanned receipts of bench/README.md)."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from foodscan.recognition.reading.lattice import Lattice, best_text, readings, spans
from foodscan.recognition.reading.ocr import OcrLine, RapidOcrEngine
from foodscan.recognition.reading.progress import ocr_listener
from foodscan.recognition.reading.spelling import english_page, mend

ReceiptImage = Callable[..., Image.Image]
BOX = ((0.0, 0.0), (100.0, 0.0), (100.0, 10.0), (0.0, 10.0))


def lattice(*chars: str | tuple[tuple[str, float], ...]) -> Lattice:
    """A lattice as CTC gives it: each character a step (sure, or its choices), a blank step
    after each."""
    steps = []
    for char in chars:
        steps.append(((char, 1.0),) if isinstance(char, str) else char)
        steps.append((("", 1.0),))
    return tuple(steps)


def line(*chars: str | tuple[tuple[str, float], ...]) -> OcrLine:
    found = lattice(*chars)
    return OcrLine(best_text(found), BOX, 0.95, found)


def plain(text: str) -> OcrLine:
    return line(*text)


def test_every_line_read_carries_its_lattice(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    rows = ["GREENLEAF GROCERY", "BANANAS   1.29", "TOTAL   6.84"]
    lines = ocr_engine.read(receipt_image(rows))
    assert lines
    for found in lines:
        assert found.alternatives is not None
        assert best_text(found.alternatives).strip() == found.text


def test_lines_read_while_reporting_progress_carry_their_lattices_too(
    ocr_engine: RapidOcrEngine, receipt_image: ReceiptImage
) -> None:
    rows = [f"ITEM NUMBER {n}   {n}.50" for n in range(1, 15)]  # more than one batch of 6
    image = receipt_image(rows)
    quiet = ocr_engine.read(image)
    token = ocr_listener.set(lambda _progress: None)
    try:
        reported = ocr_engine.read(image)
    finally:
        ocr_listener.reset(token)
    assert [x.text for x in reported] == [x.text for x in quiet]
    assert [x.alternatives for x in reported] == [x.alternatives for x in quiet]
    assert all(x.alternatives is not None for x in reported)


def test_readings_come_with_their_cost_best_first() -> None:
    found = lattice("C", "A", (("I", 0.6), ("T", 0.4)))
    options = list(readings(found, 0, len(found), least=0.05, most=4))
    assert options[0] == ("CAI", 0.0)
    assert ("CAT", options[1][1]) == options[1]
    assert 0.4 < options[1][1] < 0.41  # ln(0.6 / 0.4)
    assert spans(lattice("A", " ", "B")) == [(0, 2), (3, 6)]


def test_an_unknown_word_is_read_as_the_common_word_its_second_choices_spell() -> None:
    # "HARDWARE" read "HARIWARL": D's second choice I, E's second choice L.
    name = line(*"HAR", (("I", 0.40), ("U", 0.25), ("D", 0.19)), *"WAR", (("L", 0.38), ("E", 0.25)))
    page = [plain("AIK HUAT"), name, plain("ENTERPRISE SDN BHD"), plain("THANK YOU")]
    assert [x.text for x in mend(page)] == [
        "AIK HUAT",
        "HARDWARE",
        "ENTERPRISE SDN BHD",
        "THANK YOU",
    ]


def test_a_known_word_a_figure_and_a_far_choice_stay_as_read() -> None:
    page = [
        line(*"TOTA", (("L", 0.6), ("I", 0.4))),  # TOTAL is a word: never changed
        line(*"AMOUNT 4.", (("8", 0.5), ("5", 0.45)), "0"),  # figures are not letters
        line(*"HAR", (("I", 0.97), ("D", 0.02)), *"WARE"),  # D too unlikely to try
        plain("THANK YOU FOR SHOPPING"),
    ]
    assert [x.text for x in mend(page)] == [x.text for x in page]


def test_a_word_mended_on_one_line_is_mended_where_the_page_repeats_it() -> None:
    # The shop's name in its header read "buardian" with no second choice; in the footer the
    # same print misread the same way, with G as the second choice.
    page = [
        plain("buardian Health And Beauty"),
        plain("THANK YOU FOR SHOPPING"),
        line((("b", 0.60), ("G", 0.40)), *"uardian brand products must be returned"),
    ]
    assert [x.text for x in mend(page)] == [
        "Guardian Health And Beauty",
        "THANK YOU FOR SHOPPING",
        "Guardian brand products must be returned",
    ]


def test_a_page_not_in_english_keeps_its_reading() -> None:
    # A Polish receipt: no word is an English one, so none is made one.
    page = [
        plain("SKLEP SPOZYWCZY"),
        line(*"CHLE", (("D", 0.5), ("B", 0.45))),
        plain("PARAGON FISKALNY"),
        plain("MLEKO KEFIR MASLO"),
    ]
    assert not english_page(page)
    assert [x.text for x in mend(page)] == [x.text for x in page]


def test_lines_without_alternatives_are_kept() -> None:
    page = [OcrLine("HARIWARL", BOX, 0.9), OcrLine("THANK YOU", BOX, 0.9)]
    assert mend(page) == page


def test_a_date_with_mixed_separators_takes_the_sign_the_recogniser_half_saw() -> None:
    # A till prints a date's separators alike; "05 02-18" lost a dash to a space, "05~05-17"
    # read a tilde. Figures stay as read; a date already alike, and a time, are kept.
    page = [
        line(*"05", ((" ", 0.53), ("", 0.34), ("-", 0.12)), *"02-18"),
        line(*"05", (("~", 0.84), ("-", 0.16)), *"05-17"),
        line(*"12/03/2024 18:17", ((":", 0.6), (".", 0.4)), *"54"),
        line(*"04", (("1", 0.6), ("7", 0.4)), *" 2024"),  # no date: figures never change
    ]
    assert [x.text for x in mend(page)] == [
        "05-02-18",
        "05-05-17",
        "12/03/2024 18:17:54",
        "041 2024",
    ]
