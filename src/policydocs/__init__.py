"""policydocs: company regulations (管理制度) as numbered, converted, signed, versioned documents."""

__version__ = "0.1.0"
