//! `baken admin …` and `baken audit verify`. Every change is written to the audit trail
//! with the command line as its actor.

use crate::serve::open_store;
use crate::DbArgs;
use anyhow::{bail, Context, Result};
use baken_domain::{postcode_areas, Country, OrgKind, Role};
use baken_store::{
    generate_password, hash_password, AuditEntry, NewUser, Store, StoreError, VerifyOutcome,
};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Manage users
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage organisations
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// The contact-point directory of an organisation
    Directory {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
}

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// Replace an organisation's directory by a CSV file, all or nothing
    /// (columns: partner,name,country,region,phenomena,phone,email,address,hours)
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Organisation name
        #[arg(long)]
        org: String,
        /// The CSV file
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a one-time password
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// Display name
        #[arg(long)]
        name: String,
        /// Organisation name
        #[arg(long)]
        org: String,
        /// Role in that organisation (repeat for several)
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// List users with their roles
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable a user and end their sessions
    Disable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// Give a user a new one-time password
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organisation
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
        /// municipality, regional_centre, police, labour_inspectorate, immigration, victim_care, other_partner
        #[arg(long)]
        kind: String,
        /// NL or BE
        #[arg(long)]
        country: String,
    },
    /// List organisations (with the region each belongs to)
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Attach an organisation to the region of a regional centre (ARIEC / expertise
    /// centre): its staff then read and post in that region's knowledge sharing
    Region {
        #[command(flatten)]
        db: DbArgs,
        /// The organisation's name
        #[arg(long)]
        org: String,
        /// The regional centre's name
        #[arg(long)]
        centre: String,
    },
    /// Set the postcode areas an organisation receives public reports for, replacing
    /// the ones it had: e.g. --areas "3511-3585,3600" (an empty list clears them)
    Postcodes {
        #[command(flatten)]
        db: DbArgs,
        /// The organisation's name
        #[arg(long)]
        org: String,
        /// Comma-separated postcodes (four digits) or ranges FROM-TO
        #[arg(long)]
        areas: String,
    },
}

/// Parse `3511-3585,3600` into areas (`baken_domain::postcode_areas`, shared with the
/// web page); an error names the piece that is wrong.
fn parse_areas(text: &str) -> Result<Vec<(i64, i64)>> {
    postcode_areas::parse(text).map_err(|e| anyhow::anyhow!("--areas: {e}"))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

async fn audit_cli(
    store: &Store,
    action: &str,
    object_id: Option<&str>,
    org: Option<&str>,
) -> Result<()> {
    store
        .append_audit(
            &AuditEntry {
                actor_org_id: org.map(str::to_string),
                action: format!("cli:{action}"),
                object_type: "account".into(),
                object_id: object_id.map(str::to_string),
                purpose: "administration".into(),
                result: "ok".into(),
                ..Default::default()
            },
            now(),
        )
        .await
        .context("cannot write the audit trail; nothing more was done")?;
    Ok(())
}

async fn user_named(store: &Store, username: &str) -> Result<baken_store::User> {
    match store.user_by_username(username).await {
        Ok(u) => Ok(u),
        Err(StoreError::NotFound) => {
            bail!("no user named {username:?} (see `baken admin user list`)")
        }
        Err(e) => Err(e.into()),
    }
}

async fn org_named(store: &Store, name: &str) -> Result<baken_store::Organisation> {
    match store.org_by_name(name).await {
        Ok(o) => Ok(o),
        Err(StoreError::NotFound) => {
            bail!("no organisation named {name:?} (see `baken admin org list`)")
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn run(command: AdminCommand) -> Result<ExitCode> {
    match command {
        AdminCommand::User { command } => run_user(command).await,
        AdminCommand::Org { command } => run_org(command).await,
        AdminCommand::Directory { command } => run_directory(command).await,
    }
}

async fn run_user(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            db,
            username,
            name,
            org,
            roles,
        } => {
            let roles: Vec<Role> = roles
                .iter()
                .map(|r| {
                    Role::parse(r).with_context(|| {
                        format!(
                            "--role {r:?} is not a role (one of: {})",
                            Role::ALL.map(|r| r.as_str()).join(", ")
                        )
                    })
                })
                .collect::<Result<_>>()?;
            let (store, _) = open_store(&db).await?;
            let organisation = org_named(&store, &org).await?;
            let password = generate_password();
            let user = match store
                .create_user(
                    &NewUser {
                        username: &username,
                        display_name: &name,
                        password_hash: &hash_password(&password),
                        must_change_password: true,
                    },
                    &roles
                        .iter()
                        .map(|r| (organisation.id.clone(), *r))
                        .collect::<Vec<_>>(),
                    now(),
                )
                .await
            {
                Ok(u) => u,
                Err(StoreError::Conflict(_)) => bail!("a user named {username:?} already exists"),
                Err(e) => return Err(e.into()),
            };
            audit_cli(&store, "user_added", Some(&user.id), Some(&organisation.id)).await?;
            println!(
                "user {username} added to {}; one-time password: {password}",
                organisation.name
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { db } => {
            let (store, _) = open_store(&db).await?;
            audit_cli(&store, "user_list", None, None).await?;
            for (user, memberships) in store.list_all_users().await? {
                let roles: Vec<String> = memberships
                    .iter()
                    .map(|m| format!("{}@{}", m.role.as_str(), m.org_name))
                    .collect();
                println!(
                    "{:<24} {:<30} {:<9} {}",
                    user.username,
                    user.display_name,
                    if user.disabled { "disabled" } else { "active" },
                    roles.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Disable { db, username } => {
            let (store, _) = open_store(&db).await?;
            let user = user_named(&store, &username).await?;
            audit_cli(&store, "user_disabled", Some(&user.id), None).await?;
            store.disable_user(&user.id).await?;
            println!("user {username} disabled; their sessions have ended");
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::ResetPassword { db, username } => {
            let (store, _) = open_store(&db).await?;
            let user = user_named(&store, &username).await?;
            audit_cli(&store, "password_reset", Some(&user.id), None).await?;
            let password = generate_password();
            store
                .set_password(&user.id, &hash_password(&password), true)
                .await?;
            store.delete_sessions_of_user(&user.id).await?;
            println!("new one-time password for {username}: {password}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run_org(command: OrgCommand) -> Result<ExitCode> {
    match command {
        OrgCommand::Add {
            db,
            name,
            kind,
            country,
        } => {
            let kind = OrgKind::parse(&kind).with_context(|| {
                format!(
                    "--kind {kind:?} is not an organisation kind (one of: {})",
                    OrgKind::ALL.map(|k| k.as_str()).join(", ")
                )
            })?;
            let country = Country::parse(&country)
                .with_context(|| format!("--country {country:?} must be NL or BE"))?;
            let (store, _) = open_store(&db).await?;
            let org = match store.create_org(&name, kind, country, now()).await {
                Ok(o) => o,
                Err(StoreError::Conflict(_)) => {
                    bail!("an organisation named {name:?} already exists")
                }
                Err(e) => return Err(e.into()),
            };
            audit_cli(&store, "org_added", Some(&org.id), Some(&org.id)).await?;
            println!("organisation {name} added ({kind}, {country})");
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::List { db } => {
            let (store, _) = open_store(&db).await?;
            let orgs = store.list_orgs().await?;
            for org in &orgs {
                let region = match store.org_region(&org.id).await? {
                    Some(centre) if centre != org.id => orgs
                        .iter()
                        .find(|o| o.id == centre)
                        .map(|o| format!("region: {}", o.name))
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                println!(
                    "{:<32} {:<20} {:<3} {region}",
                    org.name,
                    org.kind.as_str(),
                    org.country.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::Region { db, org, centre } => {
            let (store, _) = open_store(&db).await?;
            let find = |name: &str| {
                let store = store.clone();
                let name = name.to_string();
                async move {
                    store
                        .org_by_name(&name)
                        .await
                        .map_err(|_| anyhow::anyhow!("no organisation named {name:?}"))
                }
            };
            let (member, hub) = (find(&org).await?, find(&centre).await?);
            if hub.kind != OrgKind::RegionalCentre {
                bail!(
                    "--centre {centre:?} is a {}, not a regional_centre",
                    hub.kind.as_str()
                );
            }
            if member.kind == OrgKind::RegionalCentre {
                bail!("--org {org:?} is itself a regional centre: it is its own region");
            }
            store.set_org_region(&member.id, &hub.id).await?;
            audit_cli(&store, "org_region_set", Some(&member.id), Some(&hub.id)).await?;
            println!("{org} now belongs to the region of {centre}");
            Ok(ExitCode::SUCCESS)
        }
        OrgCommand::Postcodes { db, org, areas } => {
            let areas = parse_areas(&areas)?;
            let (store, _) = open_store(&db).await?;
            let target = store
                .org_by_name(&org)
                .await
                .map_err(|_| anyhow::anyhow!("no organisation named {org:?}"))?;
            match store.set_postcode_areas(&target.id, &areas).await {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) => {
                    bail!("--areas: a postcode or range is given twice")
                }
                Err(e) => return Err(e.into()),
            }
            audit_cli(
                &store,
                &postcode_areas::audit_action(&areas),
                Some(&target.id),
                Some(&target.id),
            )
            .await?;
            let shown = postcode_areas::format(&areas);
            println!(
                "{org} receives public reports for postcodes: {}",
                if shown.is_empty() { "none" } else { &shown }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn run_directory(command: DirectoryCommand) -> Result<ExitCode> {
    match command {
        DirectoryCommand::Import { db, org, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let library = baken_indicators::embedded()
                .map_err(|e| anyhow::anyhow!("indicator library: {e}"))?;
            let known: Vec<&str> = library.phenomena.iter().map(|p| p.id.as_str()).collect();
            let (store, _) = open_store(&db).await?;
            let orgs = store.list_orgs().await?;
            let org_names: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
            let rows = match baken_domain::contacts::parse_csv(&text, &known, &org_names) {
                Ok(rows) => rows,
                Err(errors) => {
                    let lines: Vec<String> = errors
                        .iter()
                        .map(|e| {
                            if e.column.is_empty() {
                                format!("  line {}: {}", e.line, e.code)
                            } else {
                                format!("  line {}, column {}: {}", e.line, e.column, e.code)
                            }
                        })
                        .collect();
                    bail!(
                        "{} was not imported (nothing changed):\n{}",
                        file.display(),
                        lines.join("\n")
                    );
                }
            };
            let organisation = org_named(&store, &org).await?;
            audit_cli(
                &store,
                &format!("directory_import:{}", rows.len()),
                None,
                Some(&organisation.id),
            )
            .await?;
            let n = store
                .replace_contacts(&organisation.id, &rows, now())
                .await?;
            println!("{n} contact points imported for {org}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn audit_verify(db: DbArgs) -> Result<ExitCode> {
    let (store, _) = open_store(&db).await?;
    let outcome = store.verify_audit().await?;
    store.close().await;
    match outcome {
        VerifyOutcome::Intact { records } => {
            println!("audit trail intact: {records} records");
            Ok(ExitCode::SUCCESS)
        }
        VerifyOutcome::Broken(broken) => {
            eprintln!("audit trail BROKEN at record {}: {broken}", broken.seq());
            Ok(ExitCode::from(1))
        }
    }
}
