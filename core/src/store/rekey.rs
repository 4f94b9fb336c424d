//! Changing the data key: every encrypted value re-encrypted in one transaction.
//!
//! The host rotates the key (or moves it to new keystore hardware) with [`Store::rekey`]. Either
//! every value and the key check value are under the new key, or (on any failure or crash)
//! every value is still under the old one: the store is always readable by exactly one of the
//! two keys. The host must therefore hold both until it knows which: save the new key in the
//! keystore as *pending* before calling `rekey`, make it current when `rekey` returns `Ok`, and
//! if an open ever fails with `wrong_key`, try the pending key. Saving the new key only after
//! `rekey` returns would lose the store to a crash between the commit and that save.

use rusqlite::{TransactionBehavior, params};
use zeroize::Zeroizing;

use super::Store;
use super::cipher::{
    self, Column, DRAFT_BODY, DRAFT_SUMMARY, DRAFT_TYPED, OUTBOX_LOCAL_COPY, OUTBOX_SUMMARY,
};
use super::error::Result;
use super::profile::PROFILE;
use super::schema;
use crate::crypto::DataKey;

/// Each encrypted column: its place, and the SQL to read and rewrite it.
const COLUMNS: [(Column, &str, &str); 6] = [
    (
        DRAFT_BODY,
        "SELECT id, schema_version, body FROM drafts",
        "UPDATE drafts SET body = ?2 WHERE id = ?1",
    ),
    (
        DRAFT_SUMMARY,
        "SELECT id, schema_version, summary FROM drafts",
        "UPDATE drafts SET summary = ?2 WHERE id = ?1",
    ),
    (
        DRAFT_TYPED,
        "SELECT id, schema_version, typed FROM drafts WHERE typed IS NOT NULL",
        "UPDATE drafts SET typed = ?2 WHERE id = ?1",
    ),
    (
        OUTBOX_LOCAL_COPY,
        "SELECT referral_id, schema_version, local_copy FROM outbox WHERE local_copy IS NOT NULL",
        "UPDATE outbox SET local_copy = ?2 WHERE referral_id = ?1",
    ),
    (
        OUTBOX_SUMMARY,
        "SELECT referral_id, schema_version, summary FROM outbox WHERE summary IS NOT NULL",
        "UPDATE outbox SET summary = ?2 WHERE referral_id = ?1",
    ),
    (
        // The referrer's profile; its version is the profile format's, bound in the AAD.
        PROFILE,
        "SELECT name, 1, value FROM meta WHERE name = 'referrer_profile'",
        "UPDATE meta SET value = ?2 WHERE name = ?1",
    ),
];

impl Store {
    /// Re-encrypts every encrypted value and the key check value under `new_key`, in one
    /// transaction, then uses `new_key` from now on. Save `new_key` as pending in the keystore
    /// before calling this, and make it current once it returns `Ok` (see the module doc).
    pub fn rekey(&self, new_key: DataKey) -> Result<()> {
        let mut guard = self.lock();
        let inner = guard.as_mut().ok_or(super::StoreError::Closed)?;
        let tx = inner
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (column, select, update) in COLUMNS {
            let rows: Vec<(String, i64, Vec<u8>)> = {
                let mut stmt = tx.prepare(select)?;
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<std::result::Result<_, _>>()?
            };
            let mut stmt = tx.prepare(update)?;
            for (id, version, sealed) in rows {
                let version = cipher::version_from_sql(version)?;
                let plain =
                    Zeroizing::new(cipher::open(&inner.key, column, &id, version, &sealed)?);
                let resealed = cipher::seal(&new_key, column, &id, version, &plain);
                stmt.execute(params![id, resealed])?;
            }
        }
        schema::replace_key_check(&tx, &new_key)?;
        tx.commit()?;
        inner.key = new_key;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{StoreError, StoreSettings};
    use super::*;

    #[test]
    fn rekey_reencrypts_everything_so_only_the_new_key_opens_the_store() {
        let (dir, store) = open_store();
        let (_sk, service) = service();
        let draft = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        let to_send = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        let queued = store.submit(to_send, service, t0()).unwrap();
        let new_hex = "ff00".repeat(16);
        store.rekey(DataKey::from_hex(&new_hex).unwrap()).unwrap();
        // Still usable in this session.
        assert!(store.load_draft(draft.clone()).is_ok());
        drop(store);

        let old = Store::open(dir.path().into(), key(), StoreSettings::default(), t0());
        assert!(matches!(old, Err(StoreError::WrongKey)));
        let store = Store::open(
            dir.path().into(),
            DataKey::from_hex(&new_hex).unwrap(),
            StoreSettings::default(),
            t0(),
        )
        .unwrap();
        assert!(store.load_draft(draft).unwrap() == crate::example::example_referral());
        assert!(store.load_submitted(queued.referral_id).is_ok());
        assert_eq!(store.list_drafts().unwrap().len(), 1);
        assert!(store.outbox().unwrap()[0].title.is_some());
    }
}
