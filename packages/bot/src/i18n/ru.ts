import type { Messages } from './en.ts';

/** Russian messages: the same keys and parameters as `en.ts` (HTML, values escaped by the caller). */
export const ru: Messages = {
  languageName: 'Русский',
  commands: {
    start: 'Привязать аккаунт рекламодателя',
    help: 'Что умеет бот',
    campaigns: 'Ваши кампании: список, создание, изменение',
    statistics: 'Статистика и график по дням',
    language: 'Сменить язык',
    cancel: 'Прервать текущий диалог',
    logout: 'Отвязать этот аккаунт Telegram',
  },
  help: (idLogin: boolean) =>
    [
      '<b>Бот AdNova для рекламодателей</b>',
      '',
      `/start — привязать аккаунт рекламодателя одноразовым кодом${idLogin ? ' (или UUID рекламодателя)' : ''}`,
      '/campaigns — список кампаний; откройте кампанию, чтобы увидеть её показатели, создавайте, изменяйте и удаляйте кампании, прикрепляйте изображения и генерируйте тексты объявлений',
      '/statistics — итоги, показатели по кампаниям и график по дням',
      '/language — переключить язык (русский или английский)',
      '/cancel — прервать текущий диалог',
      '/logout — отвязать этот аккаунт Telegram',
    ].join('\n'),

  account: {
    askCode: (idLogin: boolean) =>
      [
        'Пришлите мне одноразовый <b>код привязки</b>, чтобы управлять кампаниями здесь.',
        'Код можно получить в админ-панели AdNova или через API: <code>POST /advertisers/{advertiser_id}/link_codes</code>.',
        idLogin ? 'Можно также прислать UUID рекламодателя.' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    alreadyLinked: (name: string, id: string) =>
      `Вы уже вошли как <b>${name}</b> (<code>${id}</code>). Все команды: /help.`,
    linked: (name: string, id: string) => `Вы вошли как <b>${name}</b> (<code>${id}</code>). Справка: /help.`,
    codeUnknown: 'Такого кода нет или его срок истёк. Получите новый код и пришлите его снова.',
    codeUsed: 'Этот код уже использован. Получите новый код и пришлите его снова.',
    idLoginDisabled: 'Вход по UUID рекламодателя отключён. Пришлите одноразовый код привязки.',
    advertiserNotFound: 'Рекламодатель с таким UUID не найден.',
    loggedOut: 'Вы вышли из аккаунта.',
    notLoggedIn: 'Вы не вошли. Отправьте /start, чтобы привязать аккаунт рекламодателя.',
  },

  general: {
    notUnderstood: 'Я не понял. Что я умею — в /help.',
    cancelled: 'Отменено.',
    nothingToCancel: 'Нечего отменять.',
    privateOnly: 'Пожалуйста, напишите мне в личном чате.',
    tooManyRequests: 'Слишком много сообщений подряд. Подождите немного и попробуйте снова.',
    outdatedButton: 'Эта кнопка устарела. Откройте /campaigns заново.',
    photoOutsideDialog:
      'Чтобы прикрепить изображение, откройте кампанию в /campaigns и нажмите «⬆️ Загрузить изображение».',
    cancelHint: 'Отправьте /cancel, чтобы прервать.',
  },

  language: {
    prompt: 'Выберите язык:',
    set: 'Язык: русский.',
  },

  errors: {
    invalidData: (detail: string) => `Неверные данные: ${detail}`,
    forbidden: (detail: string) => `Это изменение кампании запрещено: ${detail}`,
    notFound: 'Этого больше нет: возможно, его удалили. Откройте /campaigns заново.',
    unavailable: 'AdNova временно недоступна. Попробуйте через минуту.',
    misconfigured: 'Бот сейчас не может связаться с AdNova (ошибка настройки). Сообщите команде AdNova.',
    internal: 'У нас что-то пошло не так. Попробуйте ещё раз.',
  },

  fields: {
    ad_title: 'Заголовок',
    ad_text: 'Текст объявления',
    impressions_limit: 'Лимит показов',
    clicks_limit: 'Лимит кликов',
    cost_per_impression: 'Цена показа',
    cost_per_click: 'Цена клика',
    start_date: 'День начала',
    end_date: 'День окончания',
    gender: 'Пол',
    age_from: 'Возраст от',
    age_to: 'Возраст до',
    location: 'Город',
  },
  genders: { ALL: 'Все', MALE: 'Мужчины', FEMALE: 'Женщины' },
  anyone: 'все',
  status: {
    scheduled: 'запланирована',
    active: 'идёт',
    ended: 'завершена',
  },

  list: {
    title: (total: number, page: number, pages: number) =>
      total === 0
        ? '<b>Кампании</b>\nКампаний пока нет. Нажмите «➕ Создать», чтобы создать первую.'
        : `<b>Кампании</b> (${total}) · страница ${page}/${pages}`,
    create: '➕ Создать',
    previous: '◀️ Назад',
    next: 'Дальше ▶️',
  },

  card: {
    id: 'ID',
    status: (status: string, today: number) => `Статус: ${status} (сегодня день ${today})`,
    days: (start: number, end: number) => `Дни: ${start} – ${end}`,
    limits: (impressions: string, clicks: string) => `Лимиты: показы ${impressions}, клики ${clicks}`,
    costs: (impression: string, click: string) => `Цены: ${impression} за показ, ${click} за клик`,
    targeting: (summary: string) => `Таргетинг: ${summary}`,
    age: (from: string, to: string) => `возраст ${from}–${to}`,
    image: (has: boolean) => `Изображение: ${has ? 'есть' : 'нет'}`,
    statsTitle: '📊 Статистика',
    stats: (impressions: string, clicks: string, conversion: string) =>
      `Показы: ${impressions} · Клики: ${clicks} · Конверсия: ${conversion}`,
    spent: (impressions: string, clicks: string, total: string) =>
      `Потрачено: ${impressions} на показы, ${clicks} на клики, всего ${total}`,
    edit: '📝 Изменить',
    generate: '✨ Сгенерировать текст',
    uploadImage: '⬆️ Загрузить изображение',
    showImage: '🖼 Показать изображение',
    deleteImage: '🗑️ Удалить изображение',
    delete: '🗑️ Удалить кампанию',
    back: '⬅️ К списку',
    confirmDelete: (title: string) =>
      `Удалить кампанию <b>${title}</b>? Её статистика удалится вместе с ней. Это нельзя отменить.`,
    confirmYes: '🗑️ Да, удалить',
    confirmNo: '↩️ Нет, оставить',
    deleted: 'Кампания удалена.',
    imageDeleted: 'Изображение кампании удалено.',
    noImage: 'У этой кампании нет изображения.',
    imageLink: (caption: string, url: string) => `${caption}: <a href="${url}">открыть изображение</a>`,
    imageCaption: (title: string) => `Изображение «${title}»`,
  },

  validation: {
    notEmpty: 'Пришлите, пожалуйста, текст.',
    tooLong: (max: number) => `Слишком длинно: не больше ${max} символов.`,
    wholeNumber: 'Пришлите целое число, например 1000.',
    decimal: 'Пришлите число, например 0,5 или 12.',
    atLeast: (min: number) => `Значение должно быть не меньше ${min}.`,
    atMost: (max: number) => `Значение должно быть не больше ${max}.`,
    clicksOverImpressions: (impressions: number) =>
      `Лимит кликов не может быть больше лимита показов (${impressions}).`,
    startBeforeToday: (today: number) => `День начала не может быть в прошлом: сегодня день ${today}.`,
    endBeforeStart: (start: number) => `День окончания не может быть раньше дня начала (${start}).`,
    ageOrder: (from: number) => `«Возраст до» не может быть меньше «возраста от» (${from}).`,
    impressionsUnderClicks: (clicks: number) =>
      `Лимит показов не может быть меньше лимита кликов (${clicks}).`,
    startAfterEnd: (end: number) => `День начала не может быть позже дня окончания (${end}).`,
    ageFromOverTo: (to: number) => `«Возраст от» не может быть больше «возраста до» (${to}).`,
    gender: 'Выберите одну из кнопок: Все, Женщины или Мужчины.',
    expectedText: 'Ответьте текстовым сообщением или нажмите одну из кнопок.',
  },

  dialog: {
    skip: 'Пропустить',
    cancel: '❌ Отмена',
    current: (value: string) => `Сейчас: ${value}`,
    optional: 'Отправьте «-» или нажмите «Пропустить», чтобы не ограничивать.',
  },

  create: {
    intro: '<b>Новая кампания</b>\nЯ спрошу все поля по очереди.',
    prompts: {
      ad_title: 'Какой <b>заголовок</b> у объявления?',
      ad_text: 'Пришлите <b>текст объявления</b> или поручите его ИИ.',
      impressions_limit: 'Сколько <b>показов</b> максимум? (целое число)',
      clicks_limit: 'Сколько <b>кликов</b> максимум? (целое число, не больше лимита показов)',
      cost_per_impression: 'Сколько вы платите <b>за показ</b>? (например, 0,5)',
      cost_per_click: 'Сколько вы платите <b>за клик</b>? (например, 3,25)',
      start_date: (today: number) => `В какой <b>день</b> начать? Сегодня день ${today}.`,
      end_date: (start: number) => `В какой <b>день</b> закончить? День ${start} или позже.`,
      gender: 'Кому показывать — какого <b>пола</b>?',
      age_from: 'Минимальный <b>возраст</b> аудитории (0–100)?',
      age_to: 'Максимальный <b>возраст</b> аудитории (0–100)?',
      location: 'Какой <b>город</b> (точно как у клиентов, например Moscow)?',
    },
    generateButton: '✨ Сгенерировать ИИ',
    summary: 'Проверьте новую кампанию:',
    confirm: '✅ Создать',
    fixField: (field: string) => `Исправим «${field}».`,
    created: 'Кампания создана.',
  },

  edit: {
    choose: (title: string) => `Что изменить в кампании <b>${title}</b>?`,
    frozenNote: '🔒 Кампания уже началась: лимиты и дни больше менять нельзя.',
    frozen: 'Это поле заморожено: кампания уже началась.',
    ask: (field: string) => `Пришлите новое значение поля «${field}».`,
    back: '⬅️ К кампании',
    saved: 'Сохранено.',
  },

  image: {
    prompt: 'Пришлите фото (или файл изображения) для этой кампании, меньше 10 МБ.',
    notImage: 'Это не изображение. Пришлите фото или файл изображения.',
    tooBig: 'Файл слишком большой: изображение должно быть меньше 10 МБ.',
    uploaded: 'Изображение загружено.',
  },

  generate: {
    working: '✨ Пишу текст объявления…',
    proposal: (text: string) => `<b>Предлагаемый текст</b>\n\n${text}`,
    use: '✅ Использовать',
    retry: '🔄 Ещё вариант',
    failed: 'Не удалось сгенерировать текст в этот раз.',
    timeout: 'Генерация текста затянулась. Попробуйте позже.',
    saved: 'Текст объявления сохранён.',
  },

  stats: {
    title: (name: string) => `📊 <b>Статистика: ${name}</b>`,
    impressions: 'Показы',
    clicks: 'Клики',
    conversion: 'Конверсия',
    spentImpressions: 'Потрачено на показы',
    spentClicks: 'Потрачено на клики',
    spentTotal: 'Потрачено всего',
    perCampaign: '<b>По кампаниям</b>',
    line: (title: string, impressions: string, clicks: string, conversion: string, spent: string) =>
      `• ${title} — показы ${impressions}, клики ${clicks}, конверсия ${conversion}, потрачено ${spent}`,
    more: (count: number) => `…и ещё ${count}.`,
    noCampaigns: 'Кампаний пока нет.',
    chartCaption: (from: number, to: number) => `Показы, клики и расходы по дням ${from}–${to}`,
    chartLegend: { impressions: 'Показы', clicks: 'Клики', spent: 'Расходы' },
  },
};
