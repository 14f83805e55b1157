//! Reports and saved workspaces (W&B views), in the shapes the official
//! client (`api.reports`) and `wandb-workspaces` send.

/// `ProjectViews`: a page of a project's views of one type.
pub const PROJECT_VIEWS: &str = r#"query ProjectViews($project: String!, $entity: String!, $reportCursor: String, $reportLimit: Int!, $viewType: String = "runs", $viewName: String) {
  project(name: $project, entityName: $entity) {
    allViews(viewType: $viewType, viewName: $viewName, first: $reportLimit, after: $reportCursor) {
      edges { node { ...ViewFields } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}

fragment ViewFields on View {
  id name displayName description type spec createdAt updatedAt
  user { username }
  project { name entityName }
}"#;

/// `SpecificReport`: one view by id.
pub const VIEW: &str = r#"query SpecificReport($reportId: ID!) {
  view(id: $reportId) {
    id name displayName description type spec createdAt updatedAt
    user { username }
    project { name entityName }
  }
}"#;

/// `upsertView`: create a view, or change the one named by id.
pub const UPSERT_VIEW: &str = r#"mutation upsertView($id: ID, $entityName: String, $projectName: String, $type: String, $name: String, $displayName: String, $description: String, $spec: String) {
  upsertView(input: {id: $id, entityName: $entityName, projectName: $projectName, name: $name, displayName: $displayName, description: $description, type: $type, createdUsing: WANDB_SDK, spec: $spec}) {
    view {
      id name displayName description type spec createdAt updatedAt
      user { username }
      project { name entityName }
    }
    inserted
  }
}"#;

/// `deleteView`.
pub const DELETE_VIEW: &str = r#"mutation deleteView($id: ID!, $deleteDrafts: Boolean) {
  deleteView(input: {id: $id, deleteDrafts: $deleteDrafts}) { success pendingDrafts }
}"#;
