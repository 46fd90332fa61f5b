"""The Chinese lessons follow docs/glossary.md: none of its rejected variants appears in them."""

from pathlib import Path

from django.conf import settings

GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary.md"


def rejected_variants(text):
    """{variant: preferred term} from the glossary table's third column."""
    variants = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[2] or set(cells[2]) <= {"-"} or cells[2] == "Not used":
            continue
        for variant in cells[2].split("、"):
            variants[variant.strip()] = cells[1]
    return variants


def test_the_glossary_lists_rejected_variants():
    variants = rejected_variants(GLOSSARY.read_text(encoding="utf-8"))
    assert variants["仓库服务"] == "镜像仓库（Registry）"
    assert variants["经典构建器"] == "旧版构建器"
    assert variants["悬空镜像"] == "虚悬镜像"


def test_it_reads_a_row_with_several_variants():
    row = "| legacy builder | 旧版构建器 | 经典构建器、传统构建器 |\n| image | 镜像 | |"
    assert rejected_variants(row) == {"经典构建器": "旧版构建器", "传统构建器": "旧版构建器"}


def test_the_chinese_lessons_use_the_glossary_terms():
    variants = rejected_variants(GLOSSARY.read_text(encoding="utf-8"))
    found = []
    for path in sorted((Path(settings.LESSONS_DIR) / "zh-hans").glob("*.md")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [
                f"{path.name}:{number}: {variant} (use {term})" for variant, term in variants.items() if variant in line
            ]
    assert not found, "terms docs/glossary.md rejects:\n" + "\n".join(found)
