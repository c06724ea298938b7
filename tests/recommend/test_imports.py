"""Reading pasted ids, BibTeX and CSL-JSON into references; malformed input says where."""

from __future__ import annotations

import json

import pytest

from paperwire.recommend.imports import MAX_IMPORT, Reference, parse
from paperwire.recommend.readers import RecommendInputError

BIBTEX = """
@comment{exported by a reference manager}
@article{vaswani2017,
  title = {Attention Is {All} You Need},
  eprint = {1706.03762},
  archivePrefix = {arXiv},
}
@misc{url2020, title = "By URL", url = {https://arxiv.org/abs/2005.14165v4}}
@inproceedings{doi2019, title={By DOI}, doi = {10.18653/V1/N19-1423}}
@article{journal, title={Journal}, journal = {arXiv preprint arXiv:1810.04805}}
@article{arxivdoi, title={arXiv DOI}, doi = {10.48550/arXiv.2302.13971}}
"""


def test_ids_and_urls_one_per_line_or_whitespace_separated() -> None:
    text = "2401.00001\nhttps://arxiv.org/abs/2401.00002v2  arXiv:hep-th/9901001\n\nnonsense"
    assert parse(text) == [
        Reference("2401.00001", arxiv_id="2401.00001"),
        Reference("https://arxiv.org/abs/2401.00002v2", arxiv_id="2401.00002"),
        Reference("arXiv:hep-th/9901001", arxiv_id="hep-th/9901001"),
        Reference("nonsense"),
    ]


def test_bibtex_fields_eprint_url_doi_and_journal() -> None:
    found = [(r.text, r.arxiv_id, r.doi) for r in parse(BIBTEX, "library.bib")]
    assert found == [
        ("Attention Is All You Need", "1706.03762", None),
        ("By URL", "2005.14165", None),
        ("By DOI", None, "10.18653/v1/n19-1423"),
        ("Journal", "1810.04805", None),
        ("arXiv DOI", "2302.13971", None),
    ]


def test_csl_json_as_zotero_exports_it() -> None:
    items = [
        {"id": "a", "title": "Zotero preprint", "number": "arXiv:2106.09685", "type": "article"},
        {"id": "b", "title": "With URL", "URL": "http://arxiv.org/abs/1412.6980"},
        {"id": "c", "title": "With DOI", "DOI": "10.1038/nature14539"},
        {"id": "d", "title": "Nothing"},
    ]
    found = [(r.text, r.arxiv_id, r.doi) for r in parse(json.dumps(items), "export.json")]
    assert found == [
        ("Zotero preprint", "2106.09685", None),
        ("With URL", "1412.6980", None),
        ("With DOI", None, "10.1038/nature14539"),
        ("Nothing", None, None),
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[{"id": "a",\n  "title": }]', "line 2, column 12"),
        ("@article{key,\n  title = {Open\n", "line 1, column 1"),
        ("@article{key,\n  title = {x},\n  ??? \n}", "line 3, column 3"),
    ],
)
def test_malformed_input_names_the_line(text: str, where: str) -> None:
    with pytest.raises(RecommendInputError, match=where):
        parse(text)


def test_more_than_the_limit_is_refused() -> None:
    text = "\n".join(f"2401.{n:05d}" for n in range(MAX_IMPORT + 1))
    with pytest.raises(RecommendInputError, match="at most 2000"):
        parse(text)
    assert len(parse("\n".join(f"2401.{n:05d}" for n in range(MAX_IMPORT)))) == MAX_IMPORT
