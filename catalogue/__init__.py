"""The shipped catalogue: one YAML file per record, in a folder per kind. Installed as the
package data of mieux_cli (mieux_cli.shipped_catalogue); this file only makes it importable."""
