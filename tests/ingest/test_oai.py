"""OAI-PMH responses (metadataPrefix=arXiv): real recorded responses, field by field."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperwire.catalog.model import Link, PaperRecord, Rejection
from paperwire.catalog.store import Catalog
from paperwire.ingest.base import InputUnreadable, Item
from paperwire.ingest.oai import (
    OaiError,
    OaiXmlSource,
    ResumptionToken,
    parse_oai_bytes,
)
from paperwire.ingest.pipeline import run_source

OAI = Path(__file__).parent.parent / "fixtures" / "arxiv-oai"
HEP_EX = OAI / "functional-arxiv-fixtures-http-server-records-arxiv-physics-hep-ex.xml"
SINGLE = OAI / "functional-arxiv-fixtures-http-server-records-arxiv-single.xml"
SAMPLE = OAI / "unit-responses-arxiv-sample-arxiv-record.xml"  # 12 records, first without xmlns
SAMPLE0 = OAI / "unit-responses-arxiv-sample-arxiv-record0.xml"  # 1601.03238, other metadata
SAMPLE4 = OAI / "unit-responses-arxiv-sample-arxiv-record4.xml"  # an author with a suffix


def records_of(path: Path) -> dict[str, PaperRecord]:
    items = list(OaiXmlSource(path).items())
    assert all(isinstance(item, PaperRecord) for item in items), items
    return {item.paper_id: item for item in items if isinstance(item, PaperRecord)}


def test_list_records_field_by_field() -> None:
    records = records_of(HEP_EX)
    assert list(records) == ["1706.05371", "1706.09418", "1707.00874"]
    paper = records["1706.05371"]
    assert paper.source == "arxiv-oai"
    assert paper.source_record_id == "oai:arXiv.org:1706.05371"
    assert paper.title == (
        "Evaluation of Silicon Photomultipliers for use as Photosensors in Liquid Xenon Detectors"
    )
    assert len(paper.authors) == 13
    assert paper.authors[:2] == ["Tyler Anderson", "Jacob Cutter"]
    assert paper.authors[-1] == "Mani Tripathi"
    assert paper.categories == ["physics.ins-det", "hep-ex"]  # primary first, as arXiv lists
    assert paper.submitted == dt.date(2017, 6, 16)
    assert paper.updated == dt.date(2017, 12, 12)
    assert paper.version is None  # the arXiv format carries no version numbers
    assert paper.comments == "10 pages, 9 figures"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert paper.abstract.startswith("Silicon photomultipliers (SiPMs) are potential solid-state")
    assert paper.abstract.endswith("photon detection efficiency.")
    assert "\n" not in paper.abstract  # wrapped lines joined into one paragraph
    assert paper.doi is None and paper.journal_ref is None
    assert paper.extras == {"oai_datestamp": "2017-12-14", "oai_sets": ["physics:hep-ex"]}


def test_get_record_with_journal_ref_doi_and_paragraphs() -> None:
    paper = records_of(SINGLE)["1401.2122"]
    assert paper.title == "New integrable (3+1)-dimensional systems and contact geometry"
    assert paper.authors == ["A. Sergyeyev"]
    assert paper.categories == ["math.AP", "hep-th", "math-ph", "math.DG", "math.MP", "nlin.SI"]
    assert paper.journal_ref == "Lett. Math. Phys. 108 (2018), no. 2, 359-376"
    assert paper.doi == "10.1007/s11005-017-1013-4"
    assert Link("doi", "https://doi.org/10.1007/s11005-017-1013-4") in paper.links
    assert (paper.submitted, paper.updated) == (dt.date(2014, 1, 9), dt.date(2017, 10, 23))
    first, second = paper.abstract.split("\n\n")  # arXiv marks paragraphs by indentation
    assert first.startswith("We introduce a novel systematic construction")
    assert second.startswith("In particular, we present new large classes")
    assert paper.comments is not None and paper.comments.startswith("16 pages, LaTeX, no figures")
    assert paper.extras["oai_sets"] == ["math", "physics:hep-th", "physics:math-ph", "physics:nlin"]


def test_arxiv_element_without_namespace_is_read() -> None:
    records = records_of(SAMPLE)
    assert len(records) == 12
    paper = records["1601.03238"]  # its <arXiv> has no xmlns: it sits in the OAI namespace
    assert paper.title == "Irreversible degradation of quantum coherence under relativistic motion"
    assert paper.authors == [
        "Planck Collaboration",
        "Jieci Wang",
        "Zehua Tian",
        "Jiliang Jing",
        "Heng Fan",
    ]
    assert paper.categories == ["quant-ph", "gr-qc", "hep-th"]
    assert paper.doi == "10.1103/PhysRevD.93.016005"
    assert paper.license == "https://creativecommons.org/licenses/by/3.0/"


def test_report_numbers_unicode_and_odd_authors() -> None:
    records = records_of(SAMPLE)
    assert records["1603.00997"].extras["report_no"] == "YITP-2016-26"
    assert records["1603.00997"].journal_ref == "PoS(CD15) (2015) 045"
    assert records["1606.06775"].extras["report_no"] == "DES 2016-0158, FERMILAB PUB-16-231-AE"
    assert records["1604.05585"].authors[0] == "Günter Burigana"
    # arXiv's splitter leaves a ":" author behind "BICEP2 Collaborations: P. Ade"; dropped.
    assert records["1603.05976"].authors[:3] == ["Keck Array", "BICEP2 Collaborations", "P. Ade"]
    # A record with two <keyname>s keeps the first.
    assert records["1606.07066"].authors[0] == "Curtis J. Saxton"
    multi_line = records["1808.04927"]
    assert multi_line.title == (
        "Measurements of $\\pi^{\\pm}$, $K^{\\pm}$ and proton yields from the surface of the "
        "T2K replica target for incoming 31 GeV/c protons with the NA61/SHINE spectrometer "
        "at the CERN SPS"
    )
    assert multi_line.categories == ["hep-ex", "nucl-ex", "chao-dyn"]


def test_author_suffix_comes_last() -> None:
    authors = records_of(SAMPLE4)["1603.05976"].authors
    assert "R. W. IV" in authors
    assert ":" not in authors


def test_resumption_token_is_exposed(fixtures: Path) -> None:
    first = OaiXmlSource(fixtures / "arxiv-oai" / "paging" / "listrecords-page-1.xml")
    assert len(list(first.items())) == 3
    assert first.resumption_token == ResumptionToken("2148711|4", 0, 8)
    last = OaiXmlSource(fixtures / "arxiv-oai" / "paging" / "listrecords-page-3.xml")
    items = list(last.items())
    assert last.resumption_token == ResumptionToken("", 6, 8)  # empty: the list is complete
    deleted = items[-1]
    assert isinstance(deleted, PaperRecord) and deleted.deleted
    assert (deleted.paper_id, deleted.source_record_id) == (
        "hep-th/9901007",
        "oai:arXiv.org:hep-th/9901007",
    )


def test_get_record_has_no_resumption_token() -> None:
    source = OaiXmlSource(SINGLE)
    list(source.items())
    assert source.resumption_token is None


def test_recurring_record_last_one_wins_by_merge_rules(catalog: Catalog) -> None:
    # 1601.03238 appears in two real responses with different metadata and equal dates:
    # the record seen last replaces, but an empty field never erases a stored one.
    run_source(catalog, OaiXmlSource(SAMPLE0))
    run_source(catalog, OaiXmlSource(SAMPLE))
    paper = catalog.get("1601.03238")
    assert paper is not None
    assert paper.categories == ["quant-ph", "gr-qc", "hep-th"]  # from the later response
    assert paper.journal_ref == "Phys.Rev. D93 (2015) 016005"  # kept: the later has none
    assert paper.extras["report_no"] == "YITP-2016-26"
    assert paper.doi == "10.1103/PhysRevD.93.016005"
    assert sorted(paper.links_of("doi")) == [
        "https://doi.org/10.1103/PhysRevD.93.016005",
        "https://doi.org/10.1103/PhysRevD.98.079901",
        "https://doi.org/10.1103/PhysRevD.98.079903",
    ]
    run_source(catalog, OaiXmlSource(SAMPLE0))  # and the other way round
    again = catalog.get("1601.03238")
    assert again is not None
    assert again.categories == ["quant-ph", "gr-qc", "hep-th", "chao-dyn", "nlin.CD"]


def test_ingesting_twice_changes_nothing(catalog: Catalog) -> None:
    first = run_source(catalog, OaiXmlSource(SAMPLE))
    again = run_source(catalog, OaiXmlSource(SAMPLE))
    assert (first.counts.added, first.counts.rejected) == (12, 0)
    assert (again.counts.added, again.counts.updated, again.counts.unchanged) == (0, 0, 12)


def test_deleted_record_withdraws_the_paper(catalog: Catalog, tmp_path: Path) -> None:
    run_source(catalog, OaiXmlSource(SINGLE))
    tombstone = SINGLE.read_text(encoding="utf-8").replace("<header>", '<header status="deleted">')
    path = tmp_path / "deleted.xml"
    path.write_text(tombstone, encoding="utf-8")
    items = list(OaiXmlSource(path).items())
    assert len(items) == 1 and isinstance(items[0], PaperRecord) and items[0].deleted
    run_source(catalog, OaiXmlSource(path))
    paper = catalog.get("1401.2122")
    assert paper is not None and paper.withdrawn
    assert paper.title == "New integrable (3+1)-dimensional systems and contact geometry"


def test_deletion_of_a_paper_never_seen_does_not_break_the_page(
    catalog: Catalog, fixtures: Path
) -> None:
    # Harvests routinely meet deletions of papers the catalog never had.
    page = fixtures / "arxiv-oai" / "paging" / "listrecords-page-3.xml"
    report = run_source(catalog, OaiXmlSource(page))
    assert report.counts.rejected == 0
    assert catalog.get("1401.2122") is not None
    unknown = catalog.get("hep-th/9901007")
    assert unknown is None or unknown.withdrawn


def test_broken_record_is_rejected_and_neighbours_stored(catalog: Catalog, tmp_path: Path) -> None:
    broken = HEP_EX.read_text(encoding="utf-8").replace(
        "<created>2017-06-16</created>", "<created>2017-06-99</created>"
    )
    path = tmp_path / "broken.xml"
    path.write_text(broken, encoding="utf-8")
    report = run_source(catalog, OaiXmlSource(path))
    assert (report.counts.added, report.counts.rejected) == (2, 1)
    [rejection] = report.rejections
    assert rejection.location == f"{path} record 1 (oai:arXiv.org:1706.05371)"
    assert "bad created date '2017-06-99'" in rejection.reason
    assert catalog.get("1706.05371") is None
    assert catalog.get("1706.09418") is not None and catalog.get("1707.00874") is not None


def test_record_without_arxiv_metadata_is_rejected(tmp_path: Path) -> None:
    other_format = SINGLE.read_text(encoding="utf-8").replace("<arXiv ", "<dc ")
    path = tmp_path / "dc.xml"
    path.write_text(other_format.replace("</arXiv>", "</dc>"), encoding="utf-8")
    [item] = list(OaiXmlSource(path).items())
    assert isinstance(item, Rejection)
    assert "metadataPrefix=arXiv" in item.reason


def test_oversized_record_is_rejected_and_neighbours_kept() -> None:
    text = HEP_EX.read_text(encoding="utf-8")
    many = "<author><keyname>X</keyname></author>" * 10_500
    items, _ = parse_oai_bytes(text.replace("<authors>", "<authors>" + many, 1).encode(), "big")
    assert isinstance(items[0], Rejection)
    assert items[0].reason == "record has more than 20000 elements"
    assert [item.paper_id for item in items[1:] if isinstance(item, PaperRecord)] == [
        "1706.09418",
        "1707.00874",
    ]


def test_truncated_document_writes_nothing(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "truncated.xml"
    path.write_bytes(HEP_EX.read_bytes()[:-400])
    with pytest.raises(InputUnreadable, match="not well-formed XML"):
        run_source(catalog, OaiXmlSource(path))
    assert catalog.count() == 0


def test_no_records_match_is_an_empty_answer(fixtures: Path) -> None:
    path = fixtures / "arxiv-oai" / "paging" / "error-no-records-match.xml"
    assert list(OaiXmlSource(path).items()) == []


def test_other_oai_errors_raise_with_their_code(fixtures: Path) -> None:
    path = fixtures / "arxiv-oai" / "paging" / "error-bad-resumption-token.xml"
    with pytest.raises(OaiError) as caught:
        list(OaiXmlSource(path).items())
    assert caught.value.code == "badResumptionToken"
    assert "invalid or expired" in str(caught.value)
    assert isinstance(caught.value, InputUnreadable)  # the CLI's "input unreadable" exit


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Service unavailable</body></html>", "not an OAI-PMH response"),
        (b"", "not well-formed XML"),
        (b"<OAI-PMH><Identify/></OAI-PMH>", "without ListRecords or GetRecord"),
    ],
)
def test_documents_that_are_not_oai_responses(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "other.xml"
    path.write_bytes(content)
    with pytest.raises(InputUnreadable, match=message):
        list(OaiXmlSource(path).items())


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="No such file"):
        list(OaiXmlSource(tmp_path / "absent.xml").items())


def test_gzipped_response_is_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "page.xml.gz"
    path.write_bytes(gzip.compress(HEP_EX.read_bytes()))
    assert len(records_of(path)) == 3


def _response_with(count: int) -> bytes:
    record = (
        "<record><header><identifier>oai:arXiv.org:1706.{n:05d}</identifier>"
        "<datestamp>2017-12-14</datestamp></header><metadata><arXiv>"
        "<id>1706.{n:05d}</id><title>Paper {n}</title><created>2017-06-16</created>"
        "</arXiv></metadata></record>"
    )
    body = "".join(record.format(n=n) for n in range(count))
    return f"<OAI-PMH><ListRecords>{body}</ListRecords></OAI-PMH>".encode()


def _peak_while_streaming(path: Path) -> int:
    tracemalloc.start()
    try:
        for _ in OaiXmlSource(path)._read():  # one pass; items are dropped as they come
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_records(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    small.write_bytes(_response_with(100))
    large.write_bytes(_response_with(1500))
    assert _peak_while_streaming(large) < 2 * _peak_while_streaming(small) + 200_000


def _outcome(data: bytes) -> list[Item] | str:
    try:
        items, _ = parse_oai_bytes(data, "fuzz")
    except InputUnreadable as error:
        return str(error)
    return items


_TEMPLATE = HEP_EX.read_text(encoding="utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_give_items_or_a_clean_refusal(data: bytes) -> None:
    outcome = _outcome(data)
    assert isinstance(outcome, str) or all(
        isinstance(item, PaperRecord | Rejection) for item in outcome
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(_TEMPLATE)), st.integers(0, 60), st.text(max_size=40))
def test_mangled_real_responses_give_items_or_a_clean_refusal(
    at: int, cut: int, inserted: str
) -> None:
    mangled = _TEMPLATE[:at] + inserted + _TEMPLATE[at + cut :]
    outcome = _outcome(mangled.encode("utf-8", "surrogatepass"))
    assert isinstance(outcome, str) or all(
        isinstance(item, PaperRecord | Rejection) for item in outcome
    )
