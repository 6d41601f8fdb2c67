"""The receipt pipeline's own pieces: masked lines, text-layer boxes, the parser's language."""

from __future__ import annotations

from foodscan.pipelines.kinds.receipt import ReceiptResult
from foodscan.pipelines.receipt import _masked_lines, _text_layer_lines, parser_lang
from foodscan.recognition.reading.ocr import OcrLine
from foodscan.recognition.reading.pdf import PdfPage
from foodscan.recognition.receipt import parse_receipt

BOX = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))


def test_stored_lines_have_card_numbers_masked() -> None:
    lines = _masked_lines([(0, "ocr", [OcrLine("VISA 4111 1111 1111 1111", BOX, 0.91234)])])
    assert [(line.text, line.confidence, line.source) for line in lines] == [
        ("VISA **** **** **** 1111", 0.9123, "ocr")
    ]


def test_text_layer_lines_are_stacked_in_order_and_stored_without_boxes() -> None:
    page = PdfPage(index=0, text="SHOP\n\nMILK   2.00\nTOTAL  2.00\n", image=None)
    lines = _text_layer_lines(page)
    assert [line.text for line in lines] == ["SHOP", "MILK   2.00", "TOTAL  2.00"]
    tops = [line.box[0][1] for line in lines]
    assert tops == sorted(tops)
    assert parse_receipt(lines).total == "2.00"
    assert _masked_lines([(0, "pdf_text", lines)])[0].box is None


def test_parser_language_comes_from_the_hint() -> None:
    assert [parser_lang(x) for x in ("pl", "ru-RU", "EN", "de", None, "")] == [
        "pl",
        "ru",
        "en",
        None,
        None,
        None,
    ]


def test_the_result_schema_extends_the_parse_with_lines() -> None:
    fields = ReceiptResult.model_fields
    assert {"items", "total", "reconciliation", "lines", "pages", "text"} <= set(fields)
