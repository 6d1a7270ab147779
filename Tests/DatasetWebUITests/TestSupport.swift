// Every file here sees the shared test helpers (Workspace, Fixtures, Imgeda, records(_:)) as
// if they were declared in this target.
@_exported import TestSupport
