"""The model: what a record is (schema, vocabularies, validation, the one text form of values,
format migrations) and the catalogue's records with their lookups. Pure: no I/O, no terminal."""
