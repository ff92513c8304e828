"""Data files a province can edit: frameworks, vocabulary, survey fields, reference unit lists."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
