"""What the state machine hands the functions, and what the API answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ImportedObject(BaseModel):
    """One import: the object version and who it is for (the execution's input)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    import_id: str = Field(alias="importId")
    organisation_id: str = Field(alias="organisationId")
    bucket: str
    key: str
    version_id: str | None = Field(default=None, alias="versionId")

    def as_input(self) -> dict:
        return self.model_dump(by_alias=True, exclude_none=True)
