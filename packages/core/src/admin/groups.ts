import { sql } from 'drizzle-orm';
import { withTransaction } from '../db/transaction.ts';
import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { type ListPage, type ListParams, listPage, mapRows } from './list-query.ts';
import { isPermission, type Permission } from './permissions.ts';
import {
  deleteGroupRow,
  findGroupRow,
  insertGroupRow,
  listAllGroupRows,
  listGroupPermissionRows,
  renameGroupRow,
  replaceGroupPermissions,
} from './staff.repo.ts';
import { fieldErrors } from './users.ts';

export type StaffGroup = { id: number; name: string };
export type StaffGroupDetail = StaffGroup & { permissions: Permission[] };
export type GroupInput = { name: string; permissions: string[] };

const MAX_GROUP_NAME_LENGTH = 150;

function checkGroupInput(input: GroupInput): { name: string; permissions: string[] } {
  const name = input.name.trim();
  const issues: { field: string; type: string; msg: string }[] = [];
  if (name === '') issues.push({ field: 'name', type: 'required', msg: 'This field is required.' });
  else if (name.length > MAX_GROUP_NAME_LENGTH) {
    issues.push({ field: 'name', type: 'too_long', msg: 'Ensure this value has at most 150 characters.' });
  }
  const unknown = input.permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    issues.push({ field: 'permissions', type: 'invalid_choice', msg: 'Select a valid permission.' });
  }
  if (issues.length > 0) throw fieldErrors(issues);
  return { name, permissions: [...new Set(input.permissions)] };
}

const nameTaken = () =>
  fieldErrors([{ field: 'name', type: 'group_taken', msg: 'A group with that name already exists.' }]);

/** @throws AppError VALIDATION for an empty, too long or taken name, or an unknown permission. */
export async function createGroup(deps: Pick<Deps, 'db'>, input: GroupInput): Promise<StaffGroupDetail> {
  const checked = checkGroupInput(input);
  const id = await withTransaction(deps.db, async (tx) => {
    const row = await insertGroupRow(tx, checked.name);
    if (!row) throw nameTaken();
    await replaceGroupPermissions(tx, row.id, checked.permissions);
    return row.id;
  });
  return getGroup(deps, id);
}

/** @throws AppError NOT_FOUND */
export async function getGroup(deps: Pick<Deps, 'db'>, id: number): Promise<StaffGroupDetail> {
  const row = await findGroupRow(deps.db, id);
  if (!row) throw notFound();
  const permissions = await listGroupPermissionRows(deps.db, id);
  return { id: row.id, name: row.name, permissions: permissions.filter(isPermission) };
}

/** @throws AppError NOT_FOUND; VALIDATION as `createGroup`. */
export async function updateGroup(
  deps: Pick<Deps, 'db'>,
  id: number,
  input: GroupInput,
): Promise<StaffGroupDetail> {
  const checked = checkGroupInput(input);
  await withTransaction(deps.db, async (tx) => {
    const renamed = await renameGroupRow(tx, id, checked.name);
    if (renamed === 'conflict') throw nameTaken();
    if (!renamed) throw notFound();
    await replaceGroupPermissions(tx, id, checked.permissions);
  });
  return getGroup(deps, id);
}

/** Deletes a group; its members simply lose its permissions. @throws AppError NOT_FOUND */
export async function deleteGroup(deps: Pick<Deps, 'db'>, id: number): Promise<void> {
  if (!(await deleteGroupRow(deps.db, id))) throw notFound();
}

/** Every group by name, for choosing a user's groups. */
export async function listAllGroups(deps: Pick<Deps, 'db'>): Promise<StaffGroup[]> {
  return (await listAllGroupRows(deps.db)).map((g) => ({ id: g.id, name: g.name }));
}

export type StaffGroupListRow = StaffGroup & { members: number; permissions: number };

/** Groups with their member and permission counts; search by name. */
export async function listGroups(
  deps: Pick<Deps, 'db'>,
  params: ListParams,
): Promise<ListPage<StaffGroupListRow>> {
  const page = await listPage<StaffGroupListRow>(
    deps.db,
    {
      select: sql`g.id, g.name,
        (SELECT count(*)::int8 FROM staff_user_groups ug WHERE ug.group_id = g.id) AS members,
        (SELECT count(*)::int8 FROM staff_group_permissions gp WHERE gp.group_id = g.id) AS permissions`,
      from: sql`staff_groups g`,
      sort: { name: sql`lower(g.name)` },
      defaultSort: 'name',
      tieBreak: sql`g.id`,
      search: [sql`g.name`],
      filters: {},
    },
    params,
  );
  return mapRows(page, (r) => ({
    ...r,
    id: Number(r.id),
    members: Number(r.members),
    permissions: Number(r.permissions),
  }));
}
