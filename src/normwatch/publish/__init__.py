"""Figures and reports (Markdown, HTML, PDF) built from the analysis layer."""
