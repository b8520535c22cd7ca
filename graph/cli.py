"""The `hqkg` command: parses arguments and delegates to graph.* (no logic here)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from graph import pipeline
from graph.gazetteer import DataError
from graph.parse import ParseError
from graph.store import StoreError

USER_ERRORS = (ParseError, DataError, StoreError, pipeline.BuildError, FileNotFoundError)


def _fail(error: Exception) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """hongqiao-kg: build, query and publish the knowledge graph of the Hongqiao measures."""


@main.command()
@click.option("--source", "sources", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A policy text to build (repeatable). Default: every data/sources/*.txt.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=pipeline.DEFAULT_OUT,
              show_default=True, help="Output folder; replaced only when the build succeeds.")
@click.option("--entities", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=pipeline.DEFAULT_ENTITIES_DIR, show_default=True, help="Folder of curated entity files.")
def build(sources: tuple[Path, ...], out: Path, entities: Path) -> None:
    """Build the graph, checks, exports and pages into OUT."""
    try:
        ctx = pipeline.build(pipeline.BuildOptions(sources=list(sources), out=out, entities_dir=entities))
    except USER_ERRORS as error:
        _fail(error)
    measures = sum(len(d.linked.document.measures) for d in ctx.documents)
    click.echo(f"built {len(ctx.documents)} document(s), {measures} measures, {len(ctx.store)} triples "
               f"into {ctx.staging}")


def build_main() -> None:
    """`python build_graph.py [--source PATH ...] [--out DIR]`: the build command on its own."""
    build(prog_name="build_graph.py")


if __name__ == "__main__":
    main()
