/**
 * Message catalogues for every label, help text and error the admin panel shows.
 * Keys are stable ids; English is the source language. Placeholders use `{name}`.
 */

const en = {
  'app.title': 'Ads throttle',

  'settings.name': 'Ads throttle setting',
  'settings.namePlural': 'Ads throttle settings',
  'settings.display': 'Ads throttle settings',
  'settings.viewRepeatWindowSeconds': 'View window (seconds)',
  'settings.viewRepeatWindowSeconds.help': 'Time window in seconds for counting ad impressions.',
  'settings.viewRepeatThreshold': 'View threshold',
  'settings.viewRepeatThreshold.help':
    'How many ad impressions are allowed within the window before blocking.',
  'settings.blockSeconds': 'Block duration (seconds)',
  'settings.blockSeconds.help': 'How long to block ads once the threshold is exceeded, in seconds.',
  'settings.eventRecordSeconds': 'Event record interval (seconds)',
  'settings.eventRecordSeconds.help':
    'How often (in seconds) to update block counters for a single viewer/page pair.',
  'settings.addNotAllowed': 'The settings row already exists; edit it instead.',
  'settings.usingStatic': 'No settings row: the values from the configuration are in use.',

  'override.name': 'Ads throttle override',
  'override.namePlural': 'Ads throttle overrides',
  'override.display': 'Override for {target} ({scope})',
  'override.scope.help':
    'Leave empty to apply site-wide. For a specific page use the full path (for example, /courses/abc/).',
  'override.applyTo': 'Apply to',
  'override.applyTo.help':
    "The 'all in scope' mode applies to all viewers inside the scope, or to the entire site if the scope is empty.",
  'override.applyTo.user': 'Apply to user',
  'override.applyTo.viewer': 'Apply to viewer ID',
  'override.applyTo.ip': 'Apply to IP',
  'override.applyTo.all': 'Apply to all in scope',
  'override.action': 'Action',
  'override.action.help': 'Choose the action for matching viewers.',
  'override.action.block': 'Block',
  'override.action.show': 'Show',
  'override.rawIp': 'Raw IP address',
  'override.rawIp.help':
    'Enter an IP address to compute its keyed hash (HMAC-SHA256). The raw value is not stored.',
  'override.status': 'Status',
  'override.status.active': 'Active',
  'override.status.expired': 'Expired',
  'override.staleKey':
    'This rule was hashed with an older secret and no longer matches. Enter the IP address or viewer ID again.',
  'override.keyRotationWarning':
    'Changing the hash secret makes every IP and viewer ID rule stop matching until it is entered again.',

  'event.name': 'Ads throttle event',
  'event.namePlural': 'Ads throttle events',
  'event.display': 'Ads throttle event ({scope})',
  'event.reason': 'Reason',
  'event.reason.override': 'Override',
  'event.reason.threshold': 'Threshold',

  'field.scope': 'Scope',
  'field.scope.help': 'Page path or empty to apply site-wide.',
  'field.viewerId': 'Viewer ID',
  'field.viewerId.help': 'Format: user:<id> or session:<key>.',
  'field.user': 'User',
  'field.ipAddressHash': 'IP address hash',
  'field.ipAddressHash.help': 'Keyed HMAC-SHA256 hash of the IP address.',
  'field.forceShow': 'Force show',
  'field.forceBlock': 'Force block',
  'field.expiresAt': 'Expires at',
  'field.createdAt': 'Created at',
  'field.updatedAt': 'Updated at',
  'field.viewerHash': 'Viewer hash',
  'field.firstSeen': 'First seen',
  'field.lastSeen': 'Last seen',
  'field.count': 'Count',
  'field.blocked': 'Blocked',

  'display.allViewers': 'all viewers',
  'display.allScopes': 'all scopes',
  'display.all': 'All',

  'error.scopeInvalid': "Scope must be empty or start with '/'. Example: /courses/abc/.",
  'error.scopeTooLong': 'Scope must be at most {max} characters long.',
  'error.actionRequired': 'Choose an action: show or block.',
  'error.invalidChoice': 'Select a valid choice. {value} is not one of the available choices.',
  'error.userOrViewerRequired': 'Provide a user or viewer ID for the override.',
  'error.ipRequired': 'Provide an IP address to compute the hash.',
  'error.ipInvalid': 'Enter a valid IPv4 or IPv6 address.',
  'error.viewerIdInvalid': "Viewer ID must look like user:<id> or session:<key>; 'anonymous' is not allowed.",
  'error.expiresAtInvalid': 'Enter a valid date and time.',
  'error.settingsExists': 'The settings row already exists; edit it instead.',
  'error.settingsInvalid': '{field} must be a whole number of at least {min}.',
  'error.notFound': 'The record does not exist.',
  'error.forbidden': 'You are not allowed to do this.',
  'error.noDatabase': 'The ads throttle has no database configured.',
  'error.configInvalid': 'Invalid ads throttle configuration: {issues}',
  'error.storeUnavailable': 'The ads throttle counter store is unavailable; ads are shown by default.',
  'error.databaseUnavailable': 'The ads throttle database is unavailable; ads are shown by default.',
  'error.eventWriteFailed': 'An ads throttle event could not be recorded.',
  'error.middlewareMissing': 'The ads throttle middleware is not installed for this request.',
  'error.validationFailed': 'Please correct the errors below.',
} as const;

/** A stable message id. */
export type MessageKey = keyof typeof en;

/** A complete catalogue: one text for every message id. */
export type MessageCatalogue = Readonly<Record<MessageKey, string>>;

const ru: MessageCatalogue = {
  'app.title': 'Ограничение показов рекламы',

  'settings.name': 'Настройка ограничения рекламы',
  'settings.namePlural': 'Настройки ограничения рекламы',
  'settings.display': 'Настройки ограничения рекламы',
  'settings.viewRepeatWindowSeconds': 'Окно просмотров (секунды)',
  'settings.viewRepeatWindowSeconds.help': 'Окно времени в секундах для подсчета показов рекламы.',
  'settings.viewRepeatThreshold': 'Порог просмотров',
  'settings.viewRepeatThreshold.help': 'Сколько показов допускается в пределах окна до блокировки.',
  'settings.blockSeconds': 'Длительность блокировки (секунды)',
  'settings.blockSeconds.help': 'Сколько времени блокировать рекламу после превышения порога (в секундах).',
  'settings.eventRecordSeconds': 'Интервал записи событий (секунды)',
  'settings.eventRecordSeconds.help':
    'Как часто (в секундах) обновлять счетчики блокировки для пары зритель/страница.',
  'settings.addNotAllowed': 'Настройки уже существуют; измените их.',
  'settings.usingStatic': 'Строки настроек нет: используются значения из конфигурации.',

  'override.name': 'Правило показа рекламы',
  'override.namePlural': 'Правила показа рекламы',
  'override.display': 'Правило для {target} ({scope})',
  'override.scope.help':
    'Оставьте пустым, чтобы применить ко всему сайту. Для конкретной страницы укажите полный путь (например, /courses/abc/).',
  'override.applyTo': 'Применить к',
  'override.applyTo.help':
    'Режим «ко всем в области» применяется ко всем зрителям в указанной области или ко всему сайту, если область пустая.',
  'override.applyTo.user': 'Применить к пользователю',
  'override.applyTo.viewer': 'Применить к идентификатору зрителя',
  'override.applyTo.ip': 'Применить к IP',
  'override.applyTo.all': 'Применить ко всем в области',
  'override.action': 'Действие',
  'override.action.help': 'Выберите действие для совпавших зрителей.',
  'override.action.block': 'Заблокировать',
  'override.action.show': 'Показать',
  'override.rawIp': 'IP-адрес',
  'override.rawIp.help':
    'Введите IP-адрес для вычисления ключевого хеша (HMAC-SHA256). Исходное значение не сохраняется.',
  'override.status': 'Состояние',
  'override.status.active': 'Действует',
  'override.status.expired': 'Истекло',
  'override.staleKey':
    'Правило захешировано старым секретом и больше не срабатывает. Введите IP-адрес или идентификатор зрителя заново.',
  'override.keyRotationWarning':
    'После смены секрета хеширования правила по IP и идентификатору зрителя перестают срабатывать, пока их не введут заново.',

  'event.name': 'Событие ограничения рекламы',
  'event.namePlural': 'События ограничения рекламы',
  'event.display': 'Событие ограничения рекламы ({scope})',
  'event.reason': 'Причина',
  'event.reason.override': 'Правило',
  'event.reason.threshold': 'Порог',

  'field.scope': 'Область',
  'field.scope.help': 'Путь страницы или пусто для применения ко всему сайту.',
  'field.viewerId': 'Идентификатор зрителя',
  'field.viewerId.help': 'Формат: user:<id> или session:<key>.',
  'field.user': 'Пользователь',
  'field.ipAddressHash': 'Хеш IP-адреса',
  'field.ipAddressHash.help': 'Ключевой хеш HMAC-SHA256 IP-адреса.',
  'field.forceShow': 'Принудительно показать',
  'field.forceBlock': 'Принудительно заблокировать',
  'field.expiresAt': 'Действует до',
  'field.createdAt': 'Создано',
  'field.updatedAt': 'Обновлено',
  'field.viewerHash': 'Хеш зрителя',
  'field.firstSeen': 'Первое появление',
  'field.lastSeen': 'Последнее появление',
  'field.count': 'Количество',
  'field.blocked': 'Заблокировано',

  'display.allViewers': 'все зрители',
  'display.allScopes': 'все области',
  'display.all': 'Все',

  'error.scopeInvalid': "Область должна быть пустой или начинаться с '/'. Пример: /courses/abc/.",
  'error.scopeTooLong': 'Область должна быть не длиннее {max} символов.',
  'error.actionRequired': 'Нужно выбрать действие: показать или заблокировать.',
  'error.invalidChoice': 'Выберите корректный вариант. {value} нет среди допустимых значений.',
  'error.userOrViewerRequired': 'Укажите пользователя или viewer ID для правила.',
  'error.ipRequired': 'Укажите IP-адрес для вычисления хеша.',
  'error.ipInvalid': 'Введите правильный IPv4 или IPv6 адрес.',
  'error.viewerIdInvalid':
    "Идентификатор зрителя должен иметь вид user:<id> или session:<key>; 'anonymous' не допускается.",
  'error.expiresAtInvalid': 'Введите правильную дату и время.',
  'error.settingsExists': 'Настройки уже существуют; измените их.',
  'error.settingsInvalid': '{field}: нужно целое число не меньше {min}.',
  'error.notFound': 'Запись не найдена.',
  'error.forbidden': 'У вас нет прав на это действие.',
  'error.noDatabase': 'Для ограничения рекламы не настроена база данных.',
  'error.configInvalid': 'Неверная конфигурация ограничения рекламы: {issues}',
  'error.storeUnavailable': 'Хранилище счетчиков недоступно; реклама показывается по умолчанию.',
  'error.databaseUnavailable':
    'База данных ограничения рекламы недоступна; реклама показывается по умолчанию.',
  'error.eventWriteFailed': 'Не удалось записать событие ограничения рекламы.',
  'error.middlewareMissing': 'Для этого запроса не установлен middleware ограничения рекламы.',
  'error.validationFailed': 'Исправьте ошибки ниже.',
};

/** The shipped catalogues, keyed by locale. */
export const messages: Readonly<{ en: MessageCatalogue; ru: MessageCatalogue }> = { en, ru };

/** A locale with a shipped catalogue. */
export type Locale = keyof typeof messages;

/**
 * Maps any locale tag to a shipped catalogue: `ru`, `ru-RU` and `RU_ru` give `ru`, everything else `en`.
 */
export function resolveLocale(locale: string | undefined): Locale {
  const base = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return base === 'ru' ? 'ru' : 'en';
}

/**
 * Translates a message id, filling `{name}` placeholders from `params`.
 * Unknown placeholders are left as they are so a missing parameter is visible rather than silent.
 */
export function t(
  locale: string | undefined,
  key: MessageKey,
  params?: Readonly<Record<string, unknown>>,
): string {
  const text = messages[resolveLocale(locale)][key];
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}
