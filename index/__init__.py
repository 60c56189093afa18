"""Pure text -> passages -> vectors -> neighbours. Imports neither storage nor UI."""
