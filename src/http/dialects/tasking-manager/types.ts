/**
 * Tasking Manager's `MessageType` enumeration onto Herald type keys, in one table. The integer is
 * what clients filter and sort by; the NAME is what responses carry.
 */
export const MESSAGE_TYPES = [
  { value: 1, name: 'SYSTEM', key: 'system' },
  { value: 2, name: 'BROADCAST', key: 'broadcast' },
  { value: 3, name: 'MENTION_NOTIFICATION', key: 'mention' },
  { value: 4, name: 'VALIDATION_NOTIFICATION', key: 'validation' },
  { value: 5, name: 'INVALIDATION_NOTIFICATION', key: 'invalidation' },
  { value: 6, name: 'REQUEST_TEAM_NOTIFICATION', key: 'request_team' },
  { value: 7, name: 'INVITATION_NOTIFICATION', key: 'invitation' },
  { value: 8, name: 'TASK_COMMENT_NOTIFICATION', key: 'task_comment' },
  { value: 9, name: 'PROJECT_CHAT_NOTIFICATION', key: 'project_chat' },
  { value: 10, name: 'PROJECT_ACTIVITY_NOTIFICATION', key: 'project_activity' },
  { value: 11, name: 'TEAM_BROADCAST', key: 'team_broadcast' },
] as const

const byValue = new Map<number, string>(MESSAGE_TYPES.map((t) => [t.value, t.key]))
const nameByKey = new Map<string, string>(MESSAGE_TYPES.map((t) => [t.key, t.name]))

/** Type keys in integer order, so core can sort by the integer as Tasking Manager does. */
export const TYPE_RANK: string[] = MESSAGE_TYPES.map((t) => t.key)

/** The Herald key for an integer; undefined for integers the enumeration does not have. */
export const typeKeyOf = (value: number): string | undefined => byValue.get(value)

/** The enum NAME for a Herald key; null for keys outside the table (TM's null message_type). */
export const typeNameOf = (key: string): string | null => nameByKey.get(key) ?? null
