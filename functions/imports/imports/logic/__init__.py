"""Pure rules of an import: its id and organisation from the object, what a file must be."""
