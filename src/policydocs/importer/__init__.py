"""Import: bring existing regulations (.docx, .doc/.wps, .pdf, .txt/.md) into the source format."""
