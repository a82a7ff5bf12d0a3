"""Import: bring existing regulations (.docx, .doc/.wps, .pdf, .txt/.md) into the source format."""

#: Suffixes ``policydocs import`` accepts (a folder is searched for these).
SUPPORTED = (".txt", ".text", ".md", ".markdown", ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf")
